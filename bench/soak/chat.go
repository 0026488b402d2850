package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/bench/internal/loadkit"
)

// thread is a user's current thread and how many runs it has had.
type thread struct {
	u    *user
	id   string
	runs int
}

// ensure starts a new thread when there is none or the current one has had
// -runs-per-thread runs (so the model's history stays short). onNew is
// told the new thread's id (the task clients subscribe to it).
func (s *soak) ensure(ctx context.Context, t *thread, onNew func(id string)) error {
	if t.id != "" && t.runs < s.o.runsPerThread {
		return nil
	}
	var out struct {
		ID string `json:"id"`
	}
	body := map[string]any{"message": loadkit.UserMessage("m"+uuid.NewString()[:8], "hello")}
	if err := s.getJSON(ctx, request{route: "POST /thread/", method: "POST", path: "/thread/", u: t.u, body: body}, &out); err != nil {
		return err
	}
	if out.ID == "" {
		return errors.New("POST /thread/: no id")
	}
	t.id, t.runs = out.ID, 0
	if onNew != nil {
		onNew(t.id)
	}
	return nil
}

// runRequest is the POST /agent/streaming of a new user message.
func runRequest(route string, t *thread, prompt string) request {
	return request{route: route, method: "POST", path: "/agent/streaming", u: t.u,
		body: map[string]any{"threadId": t.id, "messages": []any{loadkit.UserMessage("u"+uuid.NewString()[:8], prompt)}}}
}

// chatClient runs the agent on its users' threads, one run at a time;
// every -drop-th run it goes away after the first text and resumes.
func (s *soak) chatClient(ctx context.Context, users []*user) {
	threads := make([]thread, len(users))
	for i, u := range users {
		threads[i].u = u
	}
	for n := 1; s.running(ctx); n++ {
		t := &threads[n%len(threads)]
		if s.ensure(ctx, t, nil) != nil {
			continue
		}
		t.runs++
		drop := s.o.drop > 0 && n%s.o.drop == 0
		route := "POST /agent/streaming"
		if drop {
			route += " (dropped)"
		}
		base := s.base()
		rq := runRequest(route, t, s.o.chatPrompt)
		rq.base = base
		res, err := s.stream(ctx, rq, drop)
		if err != nil || !drop || res.done {
			continue
		}
		s.resume(ctx, t, s.other(base), res.lastID, n%(2*s.o.drop) == 0)
	}
}

// resume reconnects to the thread's run, which must replay from its start
// chunk (or, with Last-Event-ID, continue after lastID) to the end.
func (s *soak) resume(ctx context.Context, t *thread, base, lastID string, withID bool) {
	rq := request{route: "GET /agent/stream/{threadId}", method: "GET", path: "/agent/stream/" + t.id, u: t.u,
		base: base, want: []int{http.StatusOK, http.StatusNoContent}}
	if withID && lastID != "" {
		rq.route += " (Last-Event-ID)"
		rq.header = http.Header{"Last-Event-ID": {lastID}}
	}
	t0 := time.Now()
	res, err := s.stream(ctx, rq, false)
	if err != nil || res.first == "" {
		return
	}
	// Without Last-Event-ID the replay starts at the start chunk; with it,
	// after the chunks already read (never the start again).
	if (rq.header == nil) != (res.first == "start") {
		s.rec.add(rq.route+" replay order", t0, outcome{kind: "replay began with " + res.first})
	}
}
