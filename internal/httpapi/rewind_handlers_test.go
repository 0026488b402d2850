package httpapi_test

import (
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
)

// toolImageMessage is an assistant message whose generateImage call
// produced imageID; saving it makes a version of the thread.
func toolImageMessage(id, imageID string) map[string]any {
	return map[string]any{"id": id, "role": "assistant", "parts": []any{
		map[string]any{"type": "text", "text": "here you go"},
		map[string]any{"type": "tool-generateImage", "toolCallId": "call-" + id, "state": "output-available",
			"input":  map[string]any{"prompt": "a heron"},
			"output": map[string]any{"images": []any{map[string]any{"imageId": imageID}}}},
	}}
}

// rewindFixture is a thread with a generated image, a later exchange, and a
// public post of that image.
type rewindFixture struct {
	owner    user
	threadID string
	imageID  string
	post     feedJSON
}

func newRewindFixture(e feedEnv) rewindFixture {
	e.t.Helper()
	u := e.member()
	th := e.newThread(u, "draw a heron")
	img := e.image(u, scene(50, 160, 120), "a heron")
	expect(e.t, e.do("POST", "/agent/chatMessage/"+th, u.Token, map[string]any{"message": toolImageMessage("a1", img)}), 200)
	expect(e.t, e.do("POST", "/agent/chatMessage/"+th, u.Token, map[string]any{"message": textMessage("u2", "user", "now a crane")}), 200)
	return rewindFixture{owner: u, threadID: th, imageID: img, post: e.publish(u, img)}
}

func TestRewindOfPublicPost(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		fx := newRewindFixture(e)
		viewer := e.member()
		var check struct{ HasVersions bool }
		for _, tok := range []string{"", viewer.Token, fx.owner.Token} {
			check.HasVersions = false
			expect(t, e.do("GET", "/rewind/check/"+fx.imageID, tok, nil), 200).json(t, &check)
			if !check.HasVersions {
				t.Fatalf("check with token %q: no versions", tok)
			}
		}
		var versions []struct {
			ID, ThreadID, MessageID, ResourceID string
			Images                              []struct{ ImageID string }
		}
		expect(t, e.do("GET", "/rewind/versions/"+fx.post.ID, "", nil), 200).json(t, &versions)
		if len(versions) != 1 || versions[0].ThreadID != fx.threadID || versions[0].MessageID != "a1" ||
			versions[0].ResourceID != fx.owner.ID || len(versions[0].Images) != 1 || versions[0].Images[0].ImageID != fx.imageID {
			t.Fatalf("versions %+v", versions)
		}
		var msgs struct{ Messages []struct{ ID, Role string } }
		expect(t, e.do("GET", "/rewind/messages/"+fx.post.ID, viewer.Token, nil), 200).json(t, &msgs)
		var ids []string
		for _, m := range msgs.Messages {
			ids = append(ids, m.ID)
		}
		if !slices.Equal(ids, []string{"first", "a1"}) {
			t.Fatalf("messages %v: want up to and including the producing message", ids)
		}
	})
}

func TestRewindNSFWAndHidden(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		fx := newRewindFixture(e)
		viewer := e.member()
		e.exec("UPDATE threads SET flags = ? WHERE id = ?", `["nsfw"]`, fx.threadID)
		var check struct{ HasVersions bool }
		expect(t, e.do("GET", "/rewind/check/"+fx.imageID, viewer.Token, nil), 200).json(t, &check)
		if check.HasVersions {
			t.Fatal("nsfw thread shows versions to another user")
		}
		expect(t, e.do("GET", "/rewind/check/"+fx.imageID, fx.owner.Token, nil), 200).json(t, &check)
		if !check.HasVersions {
			t.Fatal("nsfw thread hides versions from its owner")
		}
		for _, route := range []string{"/rewind/versions/", "/rewind/messages/"} {
			expect(t, e.do("GET", route+fx.post.ID, viewer.Token, nil), 403)
			expect(t, e.do("GET", route+fx.post.ID, "", nil), 403)
			expect(t, e.do("GET", route+fx.post.ID, fx.owner.Token, nil), 200)
			expect(t, e.do("GET", route+uuid.NewString(), "", nil), 404)
			expectError(t, e.bad("GET", route+"not-a-uuid", "", nil), 400, "feedId")
		}

		// Hidden posts: 404 to others, visible to the owner.
		hidden := e.post(fx.owner, store.MediaImage, store.FlagDuplicate)
		expect(t, e.do("GET", "/rewind/versions/"+hidden.ID, viewer.Token, nil), 404)
		var none []any
		expect(t, e.do("GET", "/rewind/versions/"+hidden.ID, fx.owner.Token, nil), 200).json(t, &none)
		if len(none) != 0 {
			t.Fatalf("a post without a thread has versions: %v", none)
		}
		var msgs struct{ Messages []any }
		expect(t, e.do("GET", "/rewind/messages/"+hidden.ID, fx.owner.Token, nil), 200).json(t, &msgs)
		if len(msgs.Messages) != 0 {
			t.Fatalf("a post without a thread has messages: %v", msgs.Messages)
		}

		// Unknown images are simply "no versions"; malformed ids are 400.
		expect(t, e.do("GET", "/rewind/check/gen_"+uuid.NewString(), "", nil), 200).json(t, &check)
		if check.HasVersions {
			t.Fatal("unknown image has versions")
		}
		expectError(t, e.bad("GET", "/rewind/check/bad%20id", "", nil), 400, "originImageId")

		// Once the thread is deleted the post stays, with no history.
		expect(t, e.do("DELETE", "/thread/"+fx.threadID, fx.owner.Token, nil), 200)
		var vs []any
		expect(t, e.do("GET", "/rewind/versions/"+fx.post.ID, viewer.Token, nil), 200).json(t, &vs)
		if len(vs) != 0 {
			t.Fatalf("deleted thread still has versions: %v", vs)
		}
	})
}

// TestRewindStopsAtThePostsTurn: both rewind routes end at the message that
// produced the post; a later turn's images stay private.
func TestRewindStopsAtThePostsTurn(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		fx := newRewindFixture(e)
		later := e.image(fx.owner, scene(10, 20, 200), "a crane")
		expect(t, e.do("POST", "/agent/chatMessage/"+fx.threadID, fx.owner.Token, map[string]any{"message": toolImageMessage("a3", later)}), 200)
		if vs, _ := e.store.ListVersions(t.Context(), fx.threadID); len(vs) != 2 {
			t.Fatalf("fixture: %d versions, want 2", len(vs))
		}
		var versions []struct{ MessageID string }
		expect(t, e.do("GET", "/rewind/versions/"+fx.post.ID, "", nil), 200).json(t, &versions)
		if len(versions) != 1 || versions[0].MessageID != "a1" {
			t.Fatalf("versions %+v: want only the post's turn", versions)
		}
		var msgs struct{ Messages []struct{ ID string } }
		expect(t, e.do("GET", "/rewind/messages/"+fx.post.ID, "", nil), 200).json(t, &msgs)
		if len(msgs.Messages) != 2 || msgs.Messages[1].ID != "a1" {
			t.Fatalf("messages %+v: want first, a1", msgs.Messages)
		}
	})
}
