package httpapi_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestStreamingReplyWithImageIsStoredAndCharged(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		id := e.newThread(u, "hello")
		evs := e.openStream(context.Background(), "POST", "/agent/streaming", u.Token, streamBody(id, "u2", "draw a cat on a roof"), nil).all(t)
		types := chunkTypes(t, evs)
		if types[0] != "start" || types[len(types)-1] != "finish" {
			t.Fatalf("stream shape %v", types)
		}
		for _, want := range []string{"start-step", "text-delta", "tool-input-start", "tool-input-available", "tool-output-available", "finish-step"} {
			if !slices.Contains(types, want) {
				t.Fatalf("no %s in %v", want, types)
			}
		}
		for _, ev := range evs {
			if ev.ID == "" {
				t.Fatal("event without id")
			}
		}
		assistantID := evs[0].chunk(t)["messageId"].(string)
		var hist messagesBody
		expect(t, e.do("GET", "/agent/chatMessages/"+id, u.Token, nil), 200).json(t, &hist)
		last := hist.Messages[len(hist.Messages)-1]
		if len(hist.Messages) != 3 || hist.Messages[1].ID != "u2" || last.ID != assistantID || last.Role != "assistant" {
			t.Fatalf("history after run: %+v", hist.Messages)
		}
		var versions []struct {
			MessageID string
			Images    []map[string]any
		}
		expect(t, e.do("GET", "/version/versions/"+id, u.Token, nil), 200).json(t, &versions)
		if len(versions) != 1 || versions[0].MessageID != assistantID || len(versions[0].Images) != 1 {
			t.Fatalf("versions %+v", versions)
		}
		var p map[string]any
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200).json(t, &p)
		if p["credit"] != float64(25) {
			t.Fatalf("credit %v after one image, want 25", p["credit"])
		}
		expect(t, e.do("GET", "/agent/stream/"+id, u.Token, nil), 204)
		var st map[string]any
		expect(t, e.do("GET", "/agent/task/"+id+"/status", u.Token, nil), 200).json(t, &st)
		if st["status"] != "idle" {
			t.Fatalf("status %v", st)
		}
	})
}

func TestStreamingVideoQueuesPendingTask(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		id := e.newThread(u, "hello")
		evs := e.openStream(context.Background(), "POST", "/agent/streaming", u.Token, streamBody(id, "u2", "make a video of ocean waves"), nil).all(t)
		var output map[string]any
		for _, ev := range evs {
			if c := ev.chunk(t); c["type"] == "tool-output-available" {
				output = c["output"].(map[string]any)
			}
		}
		video, _ := output["video"].(map[string]any)
		if video["status"] != "pending" || video["taskId"] == nil {
			t.Fatalf("video output %v", output)
		}
		var versions []struct{ Videos []map[string]any }
		expect(t, e.do("GET", "/version/versions/"+id, u.Token, nil), 200).json(t, &versions)
		if len(versions) != 1 || len(versions[0].Videos) != 1 || versions[0].Videos[0]["taskId"] != video["taskId"] {
			t.Fatalf("versions %+v", versions)
		}
	})
}

func TestStreamingBadInput(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u, mallory := e.newUser(), e.newUser()
		id := e.newThread(u, "hello")
		cases := []struct {
			body   any
			status int
			want   string
		}{
			{map[string]any{"threadId": id, "messages": []any{}}, 400, "messages"},
			{map[string]any{"threadId": id}, 400, "messages"},
			{map[string]any{"messages": []any{textMessage("u2", "user", "x")}}, 400, "threadId"},
			{map[string]any{"threadId": "nope", "messages": []any{textMessage("u2", "user", "x")}}, 400, "threadId"},
			{map[string]any{"threadId": id, "messages": []any{textMessage("a2", "assistant", "x")}}, 400, "role"},
			{map[string]any{"threadId": id, "messages": []any{map[string]any{"id": "u2", "role": "user", "content": "v4"}}}, 400, "v4"},
			{map[string]any{"threadId": id, "messages": []any{textMessage("u2", "user", "x")}, "thinking": true}, 403, "Pro"},
			{map[string]any{"threadId": id, "messages": []any{textMessage("u2", "user", "x")}, "thinking": "yes"}, 400, "thinking"},
			{map[string]any{"threadId": uuid.NewString(), "messages": []any{textMessage("u2", "user", "x")}}, 404, "thread"},
		}
		for _, c := range cases {
			expectError(t, e.bad("POST", "/agent/streaming", u.Token, c.body), c.status, c.want)
		}
		expect(t, e.bad("POST", "/agent/streaming", mallory.Token, streamBody(id, "u2", "steal")), 404)
		expect(t, e.do("POST", "/agent/task/"+id+"/stop", mallory.Token, nil), 404)
		expect(t, e.do("GET", "/agent/stream/"+id, mallory.Token, nil), 404)
		msgs, _ := e.store.ListMessages(context.Background(), id)
		if len(msgs) != 1 {
			t.Fatalf("bad input stored %d messages", len(msgs))
		}
	})
}

func TestRunActiveReconnectAndStop(t *testing.T) {
	t.Parallel()
	forEachStoreWith(t, slowModel(20*time.Millisecond), func(t *testing.T, e *env) {
		u := e.newUser()
		id := e.newThread(u, "hello")
		ctx, cancel := context.WithCancel(context.Background())
		first := e.openStream(ctx, "POST", "/agent/streaming", u.Token, streamBody(id, "u2", "tell me about foxes and draw one"), nil)
		ev, err := first.next()
		if err != nil {
			t.Fatal(err)
		}
		startID := ev.ID
		cancel() // the viewer leaves; the run must go on
		expectError(t, e.bad("POST", "/agent/streaming", u.Token, streamBody(id, "u3", "again")), 409, "already")
		var conflict map[string]string
		e.bad("POST", "/agent/streaming", u.Token, streamBody(id, "u3", "again")).json(t, &conflict)
		if conflict["error"] != "run_active" {
			t.Fatalf("409 body %v", conflict)
		}
		var st map[string]any
		expect(t, e.do("GET", "/agent/task/"+id+"/status", u.Token, nil), 200).json(t, &st)
		if st["status"] != "running" || st["runId"] == nil {
			t.Fatalf("status %v", st)
		}
		expectError(t, e.badWithHeader("GET", "/agent/stream/"+id, u.Token, "Last-Event-ID", "garbage"), 400, "Last-Event-ID")
		replay := e.openStream(context.Background(), "GET", "/agent/stream/"+id, u.Token, nil, nil)
		rev, err := replay.next()
		if err != nil || rev.ID != startID || rev.chunk(t)["type"] != "start" {
			t.Fatalf("replay must begin with the start chunk: %+v %v", rev, err)
		}
		resumed := e.openStream(context.Background(), "GET", "/agent/stream/"+id, u.Token, nil, map[string][]string{"Last-Event-ID": {startID}})
		if rv, err := resumed.next(); err != nil || rv.ID == startID {
			t.Fatalf("Last-Event-ID must resume after that event: %+v %v", rv, err)
		}
		var stop map[string]any
		expect(t, e.do("POST", "/agent/task/"+id+"/stop", u.Token, nil), 200).json(t, &stop)
		if stop["stopped"] != true {
			t.Fatalf("stop %v", stop)
		}
		rest := replay.all(t)
		if last := rest[len(rest)-1].chunk(t); last["type"] != "finish" {
			t.Fatalf("stopped stream ends with %v", last)
		}
		var hist struct {
			Messages []struct{ Metadata map[string]any }
		}
		expect(t, e.do("GET", "/agent/chatMessages/"+id, u.Token, nil), 200).json(t, &hist)
		if meta := hist.Messages[len(hist.Messages)-1].Metadata; meta["status"] != "stopped" {
			t.Fatalf("partial message not saved as stopped: metadata %v", meta)
		}
		expect(t, e.do("POST", "/agent/task/"+id+"/stop", u.Token, nil), 200).json(t, &stop)
		if stop["stopped"] != false {
			t.Fatalf("second stop %v", stop)
		}
		expect(t, e.do("GET", "/agent/stream/"+id, u.Token, nil), 204)
	})
}

func TestClientDisconnectStillCompletes(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		id := e.newThread(u, "hello")
		ctx, cancel := context.WithCancel(context.Background())
		s := e.openStream(ctx, "POST", "/agent/streaming", u.Token, streamBody(id, "u2", "draw a lighthouse"), nil)
		cancel()
		s.resp.Body.Close()
		waitFor(t, "the run to finish and be stored", func() bool {
			msgs, err := e.store.ListMessages(context.Background(), id)
			return err == nil && len(msgs) == 3
		})
	})
}

func TestNewThreadGetsModelTitle(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		id := e.newThread(u, "a watercolor painting of a quiet harbour at dawn")
		waitFor(t, "the model title", func() bool {
			th, err := e.store.GetThread(context.Background(), u.ID, id)
			return err == nil && th.TitleSource == "model" && th.Title != ""
		})
		expect(t, e.do("PATCH", "/thread/"+id, u.Token, map[string]any{"title": "Mine"}), 200)
		if changed, _ := e.store.SetModelTitle(context.Background(), id, "late model title"); changed {
			t.Fatal("a late model title overwrote the user's")
		}
	})
}
