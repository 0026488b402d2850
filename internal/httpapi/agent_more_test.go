package httpapi_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
)

func TestAgentTaskSavesVersionAndQueuesPending(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u, other := e.newUser(), e.newUser()
		id := e.newThread(u, "hello")
		expect(t, e.do("GET", "/user/profile", other.Token, nil), 200)
		ctx := context.Background()
		mine, theirs := "gen_"+uuid.NewString(), "gen_"+uuid.NewString()
		for owner, fid := range map[string]string{u.ID: mine, other.ID: theirs} {
			if _, err := e.store.CreateFile(ctx, store.File{ID: fid, UserID: owner, Kind: "image", Origin: "gen",
				ContentType: "image/png", StorageKey: "u/" + owner + "/" + fid + "/original.png", Width: 64, Height: 64}); err != nil {
				t.Fatal(err)
			}
		}
		expect(t, e.do("POST", "/agent/chatMessage/"+id, u.Token, map[string]any{"message": textMessage("a1", "assistant", "here")}), 200)
		body := map[string]any{"threadId": id, "messageId": "a1",
			"images": []any{map[string]any{"imageId": mine}},
			"videos": []any{map[string]any{"prompt": "waves", "duration": 10, "ratio": "16:9", "status": "pending"}},
			"audios": []any{map[string]any{"prompt": "lofi", "instrumental": true}}}
		var out struct {
			Version struct {
				MessageID string
				Images    []map[string]any
				Videos    []map[string]any
				Audios    []map[string]any
			}
		}
		expect(t, e.do("POST", "/agent/task", u.Token, body), 200).json(t, &out)
		v := out.Version
		videoTask, _ := v.Videos[0]["taskId"].(string)
		if v.MessageID != "a1" || len(v.Images) != 1 || len(v.Videos) != 1 || len(v.Audios) != 1 ||
			v.Videos[0]["status"] != "pending" || v.Videos[0]["duration"] != float64(10) || v.Audios[0]["instrumental"] != true {
			t.Fatalf("version %+v", v)
		}
		bad := []struct {
			body   map[string]any
			status int
			want   string
		}{
			{map[string]any{"threadId": id, "messageId": "a2", "images": []any{map[string]any{"imageId": theirs}}}, 400, "image"},
			{map[string]any{"threadId": id, "messageId": "bad id!"}, 400, "messageId"},
			{map[string]any{"threadId": id, "messageId": "a2", "videos": []any{map[string]any{"prompt": "x", "duration": 7}}}, 400, "duration"},
			{map[string]any{"threadId": uuid.NewString(), "messageId": "a2"}, 404, "thread"},
			// A message that is not in the thread gets no version.
			{map[string]any{"threadId": id, "messageId": "nosuch"}, 404, `messageId: message "nosuch"`},
			{map[string]any{"threadId": id, "messageId": "nosuch", "videos": []any{map[string]any{"prompt": "x"}}}, 404, "messageId"},
			// Unknown statuses and unknown existing tasks are refused, not skipped.
			{map[string]any{"threadId": id, "messageId": "a1", "videos": []any{map[string]any{"prompt": "x", "status": "done"}}}, 400, "videos[0].status"},
			{map[string]any{"threadId": id, "messageId": "a1", "audios": []any{map[string]any{"prompt": "x", "status": "completed"}}}, 400, "audios[0].taskId"},
			{map[string]any{"threadId": id, "messageId": "a1", "videos": []any{map[string]any{"taskId": uuid.NewString(), "status": "completed"}}}, 404, "videos[0].taskId"},
			{map[string]any{"threadId": id, "messageId": "a1", "audios": []any{map[string]any{"taskId": videoTask, "status": "processing"}}}, 404, "audios[0].taskId"},
		}
		for _, c := range bad {
			expectError(t, e.bad("POST", "/agent/task", u.Token, c.body), c.status, c.want)
		}
		expect(t, e.do("POST", "/agent/task", other.Token, map[string]any{"threadId": id, "messageId": "a3"}), 404)
		vs, _ := e.store.ListVersions(ctx, id)
		if len(vs) != 1 || len(vs[0].Tasks) != 2 {
			t.Fatalf("bad input created versions or tasks: %d %+v", len(vs), vs)
		}
		// A known task of the caller in a known status is accepted and changes nothing.
		known := map[string]any{"threadId": id, "messageId": "a1",
			"videos": []any{map[string]any{"taskId": videoTask, "status": "processing"}}}
		expect(t, e.do("POST", "/agent/task", u.Token, known), 200)
		if vs, _ := e.store.ListVersions(ctx, id); len(vs) != 1 || len(vs[0].Tasks) != 2 {
			t.Fatalf("a known task entry changed the version: %+v", vs)
		}
	})
}

func TestAnchorRewritesTheBranch(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		id := e.newThread(u, "hello")
		e.openStream(context.Background(), "POST", "/agent/streaming", u.Token, streamBody(id, "u2", "make a video of rain"), nil).all(t)
		body := streamBody(id, "u3", "draw a cat instead")
		body["anchorMessageId"] = "first"
		e.openStream(context.Background(), "POST", "/agent/streaming", u.Token, body, nil).all(t)
		var hist messagesBody
		expect(t, e.do("GET", "/agent/chatMessages/"+id, u.Token, nil), 200).json(t, &hist)
		if len(hist.Messages) != 3 || hist.Messages[0].ID != "first" || hist.Messages[1].ID != "u3" {
			t.Fatalf("after anchor: %+v", hist.Messages)
		}
		var versions []struct{ Videos, Images []map[string]any }
		expect(t, e.do("GET", "/version/versions/"+id, u.Token, nil), 200).json(t, &versions)
		if len(versions) != 1 || len(versions[0].Videos) != 0 || len(versions[0].Images) != 1 {
			t.Fatalf("the anchored branch's video version survived: %+v", versions)
		}
		bad := streamBody(id, "u4", "x")
		bad["anchorMessageId"] = "no such"
		expect(t, e.bad("POST", "/agent/streaming", u.Token, bad), 400)
	})
}

func TestInsufficientCreditsIsAToolErrorAndTheRunContinues(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		id := e.newThread(u, "hello")
		if _, err := e.store.ChargeCredits(context.Background(), store.Charge{UserID: u.ID, Key: "test:drain", Amount: 28, Reason: "test"}); err != nil {
			t.Fatal(err)
		}
		evs := e.openStream(context.Background(), "POST", "/agent/streaming", u.Token, streamBody(id, "u2", "draw a boat"), nil).all(t)
		var toolErr string
		for _, ev := range evs {
			if c := ev.chunk(t); c["type"] == "tool-output-error" {
				toolErr, _ = c["errorText"].(string)
			}
		}
		if toolErr != "insufficient_credits" {
			t.Fatalf("tool error %q, want insufficient_credits", toolErr)
		}
		if types := chunkTypes(t, evs); types[len(types)-1] != "finish" {
			t.Fatalf("run did not continue to finish: %v", types)
		}
		p, _ := e.store.GetProfile(context.Background(), u.ID)
		if p.Credit != 2 {
			t.Fatalf("credit %d, want 2 (nothing charged)", p.Credit)
		}
	})
}
