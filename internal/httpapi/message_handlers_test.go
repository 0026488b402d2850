package httpapi_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/uimsg"
)

type messagesBody struct {
	Messages []struct {
		ID        string
		Role      string
		Parts     []map[string]any
		CreatedAt string
	}
}

func TestChatMessagesSaveListRewind(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		id := e.newThread(u, "hello")
		var saved struct{ Version any }
		expect(t, e.do("POST", "/agent/chatMessage/"+id, u.Token, map[string]any{"message": textMessage("a1", "assistant", "hi there")}), 200).json(t, &saved)
		if saved.Version != nil {
			t.Fatalf("a message without images made a version: %v", saved.Version)
		}
		expect(t, e.do("POST", "/agent/chatMessage/"+id, u.Token, map[string]any{"message": textMessage("u2", "user", "more")}), 200)
		var all messagesBody
		expect(t, e.do("GET", "/agent/chatMessages/"+id, u.Token, nil), 200).json(t, &all)
		if len(all.Messages) != 3 || all.Messages[0].ID != "first" || all.Messages[1].ID != "a1" || all.Messages[2].ID != "u2" {
			t.Fatalf("history %+v", all.Messages)
		}
		var before messagesBody
		expect(t, e.do("GET", "/agent/rewind/"+id+"/u2", u.Token, nil), 200).json(t, &before)
		if len(before.Messages) != 2 || before.Messages[1].ID != "a1" {
			t.Fatalf("rewind %+v", before.Messages)
		}
		expectError(t, e.bad("GET", "/agent/rewind/"+id+"/bad%20id", u.Token, nil), 400, "messageId")
		expectError(t, e.bad("GET", "/agent/rewind/"+id+"/"+stringOf('a', 65), u.Token, nil), 400, "messageId")
		expectError(t, e.do("GET", "/agent/rewind/"+id+"/nosuch", u.Token, nil), 404, "message")
	})
}

func TestChatMessagesForeignThreadIsUntouched(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u, mallory := e.newUser(), e.newUser()
		id := e.newThread(u, "secret plans")
		expect(t, e.do("GET", "/agent/chatMessages/"+id, mallory.Token, nil), 404)
		expect(t, e.do("GET", "/agent/rewind/"+id+"/first", mallory.Token, nil), 404)
		expect(t, e.do("GET", "/version/versions/"+id, mallory.Token, nil), 404)
		expect(t, e.do("POST", "/agent/chatMessage/"+id, mallory.Token, map[string]any{"message": textMessage("first", "user", "overwritten")}), 404)
		expect(t, e.do("GET", "/agent/chatMessages/"+uuid.NewString(), u.Token, nil), 404)
		msgs, err := e.store.ListMessages(context.Background(), id)
		if err != nil || len(msgs) != 1 || !json.Valid(msgs[0].Body) || string(msgs[0].Body) == "" {
			t.Fatalf("messages changed: %v %v", msgs, err)
		}
		var m struct{ Parts []struct{ Text string } }
		json.Unmarshal(msgs[0].Body, &m) //nolint:errcheck
		if m.Parts[0].Text != "secret plans" {
			t.Fatalf("foreign save overwrote the message: %s", msgs[0].Body)
		}
	})
}

func TestChatMessageBadInput(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		id := e.newThread(u, "x")
		for _, body := range []any{
			`{"message": `,
			map[string]any{"message": 5},
			map[string]any{"message": map[string]any{"id": "x", "role": "robot", "parts": []any{}}},
			map[string]any{"message": map[string]any{"id": "x", "role": "user", "content": "v4 style"}},
			map[string]any{"message": textMessage("", "user", "no id")},
		} {
			expect(t, e.bad("POST", "/agent/chatMessage/"+id, u.Token, body), 400)
		}
		expectError(t, e.bad("GET", "/agent/chatMessages/not-a-uuid", u.Token, nil), 400, "threadId")
		msgs, _ := e.store.ListMessages(context.Background(), id)
		if len(msgs) != 1 {
			t.Fatalf("bad input stored messages: %d", len(msgs))
		}
	})
}

func TestV4MessagesAreConvertedAndRewritten(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		id := e.newThread(u, "old chat")
		v4 := `{"id":"old1","role":"assistant","content":"Here you go","toolInvocations":[{"state":"result","toolCallId":"c1","toolName":"generateImage","args":{"prompt":"cat"},"result":{"images":[]}}]}`
		if _, err := e.store.SaveMessage(context.Background(), store.Message{ThreadID: id, UserID: u.ID, ID: "old1",
			Role: "assistant", Body: []byte(v4), Format: store.FormatV4}, nil); err != nil {
			t.Fatal(err)
		}
		var got messagesBody
		expect(t, e.do("GET", "/agent/chatMessages/"+id, u.Token, nil), 200).json(t, &got)
		old := got.Messages[1]
		if old.ID != "old1" || len(old.Parts) != 2 || old.Parts[0]["type"] != "tool-generateImage" ||
			old.Parts[0]["state"] != "output-available" || old.Parts[1]["text"] != "Here you go" {
			t.Fatalf("v4 row not converted: %+v", old)
		}
		waitFor(t, "background rewrite of the v4 row", func() bool {
			msgs, err := e.store.ListMessages(context.Background(), id)
			return err == nil && msgs[1].Format == store.FormatV5
		})
		var again messagesBody
		expect(t, e.do("GET", "/agent/chatMessages/"+id, u.Token, nil), 200).json(t, &again)
		a, _ := json.Marshal(again.Messages)
		b, _ := json.Marshal(got.Messages)
		if string(a) != string(b) {
			t.Fatalf("rewritten row reads differently:\n%s\n%s", a, b)
		}
	})
}

func TestChatMessageWithImagesMakesVersion(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u, other := e.newUser(), e.newUser()
		id := e.newThread(u, "draw")
		expect(t, e.do("GET", "/user/profile", other.Token, nil), 200)
		ctx := context.Background()
		mine, theirs := "gen_"+uuid.NewString(), "gen_"+uuid.NewString()
		for owner, fid := range map[string]string{u.ID: mine, other.ID: theirs} {
			if _, err := e.store.CreateFile(ctx, store.File{ID: fid, UserID: owner, Kind: "image", Origin: "gen",
				ContentType: "image/png", StorageKey: "images/" + fid + ".png", Width: 512, Height: 512}); err != nil {
				t.Fatal(err)
			}
		}
		toolMsg := func(imageID string) map[string]any {
			return map[string]any{"message": map[string]any{"id": "a1", "role": "assistant", "parts": []any{
				map[string]any{"type": "tool-generateImage", "toolCallId": "call1", "state": "output-available",
					"input":  map[string]any{"prompt": "a cat"},
					"output": map[string]any{"images": []any{map[string]any{"imageId": imageID, "seed": 42, "prompt": "a cat"}}}},
			}}}
		}
		expectError(t, e.bad("POST", "/agent/chatMessage/"+id, u.Token, toolMsg(theirs)), 400, "image")
		if vs, _ := e.store.ListVersions(ctx, id); len(vs) != 0 {
			t.Fatal("a foreign image made a version")
		}
		var saved struct {
			Version struct {
				ID, ThreadID, MessageID, ResourceID string
				Images                              []map[string]any
			}
		}
		expect(t, e.do("POST", "/agent/chatMessage/"+id, u.Token, toolMsg(mine)), 200).json(t, &saved)
		v := saved.Version
		if v.ThreadID != id || v.MessageID != "a1" || v.ResourceID != u.ID || len(v.Images) != 1 ||
			v.Images[0]["imageId"] != mine || v.Images[0]["seed"] != float64(42) || v.Images[0]["width"] != float64(512) {
			t.Fatalf("version %+v", v)
		}
		var list []map[string]any
		expect(t, e.do("GET", "/version/versions/"+id, u.Token, nil), 200).json(t, &list)
		if len(list) != 1 || list[0]["id"] != v.ID {
			t.Fatalf("versions %v", list)
		}
		var threads struct{ Threads []map[string]any }
		expect(t, e.do("GET", "/thread/threads", u.Token, nil), 200).json(t, &threads)
		if threads.Threads[0]["thumbImageUrl"] == nil {
			t.Fatal("thread thumbnail not set from the version image")
		}
	})
}

// TestShapeDetectedV4RowIsRewrittenOnce: a row written by ai@4.3 (content
// and parts together, attachments) under format 'v5' is detected by its
// shape, rewritten once, and not scheduled again on the next read.
func TestShapeDetectedV4RowIsRewrittenOnce(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.newUser()
		id := e.newThread(u, "old chat")
		v4 := `{"id":"old1","role":"user","content":"what is this","parts":[{"type":"text","text":"what is this"}],` +
			`"experimental_attachments":[{"name":"a.png","contentType":"image/png","url":"https://cdn.example/a.png"}]}`
		if _, err := e.store.SaveMessage(ctx, store.Message{ThreadID: id, UserID: u.ID, ID: "old1",
			Role: "user", Body: []byte(v4), Format: store.FormatV5}, nil); err != nil {
			t.Fatal(err)
		}
		var got messagesBody
		expect(t, e.do("GET", "/agent/chatMessages/"+id, u.Token, nil), 200).json(t, &got)
		if p := got.Messages[1].Parts; len(p) != 2 || p[0]["type"] != "file" || p[0]["filename"] != "a.png" || p[1]["text"] != "what is this" {
			t.Fatalf("ai@4.3 row not converted: %+v", got.Messages[1])
		}
		var first store.Message
		waitFor(t, "background rewrite of the shape-detected row", func() bool {
			m, err := e.store.GetMessage(ctx, id, "old1")
			first = m
			return err == nil && string(m.Body) != v4
		})
		if first.Format != store.FormatV5 || uimsg.IsV4(first.Body) {
			t.Fatalf("rewritten row is still v4: %s %s", first.Format, first.Body)
		}
		// A second read converts nothing, so nothing is written: the row,
		// updated_at included (the rewrite stamps it), stays as it was.
		expect(t, e.do("GET", "/agent/chatMessages/"+id, u.Token, nil), 200)
		e.api.Wait()
		again, err := e.store.GetMessage(ctx, id, "old1")
		if err != nil || string(again.Body) != string(first.Body) || !again.UpdatedAt.Equal(first.UpdatedAt) {
			t.Fatalf("second read rewrote the row again: %v %s %v -> %v", err, again.Body, first.UpdatedAt, again.UpdatedAt)
		}
	})
}

// TestV4MessageInRequestRefusedNamingTheField: only stored history is
// converted; a v4-shaped request message is a 400 naming the v4 field.
func TestV4MessageInRequestRefusedNamingTheField(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		id := e.newThread(u, "x")
		body := map[string]any{"message": map[string]any{"id": "m9", "role": "user", "content": "hi",
			"parts": []any{map[string]any{"type": "text", "text": "hi"}}}}
		expectError(t, e.bad("POST", "/agent/chatMessage/"+id, u.Token, body), 400, "message.content")
		expectError(t, e.bad("POST", "/agent/streaming", u.Token, map[string]any{"threadId": id,
			"messages": []any{body["message"]}}), 400, "messages[last].content")
	})
}

// TestFilePartURLsRefused: file parts accept only http(s), data: images and
// our own /files/ URLs, on every route that takes a message.
func TestFilePartURLsRefused(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.newUser()
		id := e.newThread(u, "x")
		file := func(mid, url string) map[string]any {
			return map[string]any{"id": mid, "role": "user", "parts": []any{
				map[string]any{"type": "text", "text": "look"},
				map[string]any{"type": "file", "mediaType": "image/png", "url": url}}}
		}
		for _, url := range []string{"javascript:alert(1)", "file:///etc/passwd", "data:text/html,<script>x</script>", "//evil.example/a.png"} {
			expectError(t, e.bad("POST", "/agent/chatMessage/"+id, u.Token, map[string]any{"message": file("m1", url)}), 400, "message.parts[1].url")
			expectError(t, e.bad("POST", "/thread/", u.Token, map[string]any{"message": file("m1", url)}), 400, "message.parts[1].url")
			expectError(t, e.bad("POST", "/agent/streaming", u.Token, map[string]any{"threadId": id,
				"messages": []any{file("m1", url)}}), 400, "messages[last].parts[1].url")
		}
		if msgs, _ := e.store.ListMessages(ctx, id); len(msgs) != 1 {
			t.Fatalf("a refused message was stored: %d messages", len(msgs))
		}
		var list struct{ Threads []any }
		expect(t, e.do("GET", "/thread/threads", u.Token, nil), 200).json(t, &list)
		if len(list.Threads) != 1 {
			t.Fatalf("a refused first message made a thread: %d", len(list.Threads))
		}
		for i, url := range []string{"https://cdn.example/a.png", "data:image/png;base64,iVBORw0KGgo=", "/files/ab/cd/x.png?exp=1&sig=s"} {
			expect(t, e.do("POST", "/agent/chatMessage/"+id, u.Token, map[string]any{"message": file("ok"+string(rune('a'+i)), url)}), 200)
		}
	})
}
