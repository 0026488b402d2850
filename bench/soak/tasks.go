package main

import (
	"context"
	"encoding/json"
	"time"
)

// Prompts the local model answers with generateMusic and generateVideo.
const (
	songPrompt  = "make a song about the sea at night"
	videoPrompt = "make a video of waves at sunset"
)

// taskOutput is the part of a generateMusic / generateVideo tool output
// the poller needs.
type taskOutput struct {
	Audio *struct{ TaskID string } `json:"audio"`
	Video *struct{ TaskID string } `json:"video"`
}

// taskClient asks for a song or, when its users are on a paid plan
// (-kira), alternately a video, then polls the task until it ends; its
// websocket client must hear the completed push.
func (s *soak) taskClient(ctx context.Context, users []*user, video bool) {
	ws := make([]*wsClient, len(users))
	threads := make([]thread, len(users))
	for i, u := range users {
		threads[i].u = u
		c, err := s.dialWS(ctx, s.base(), u, "task")
		if err != nil {
			return
		}
		defer c.close()
		ws[i] = c
	}
	for n := 0; s.running(ctx); n++ {
		i := n % len(users)
		t := &threads[i]
		if s.ensure(ctx, t, ws[i].subscribe) != nil {
			continue
		}
		t.runs++
		kind, prompt := "music", songPrompt
		if video && n%2 == 1 {
			kind, prompt = "video", videoPrompt
		}
		res, err := s.stream(ctx, runRequest("POST /agent/streaming ("+kind+")", t, prompt), false)
		if err != nil {
			continue
		}
		if id := taskIDOf(res.outputs); id != "" {
			s.follow(ctx, kind, id, ws[i])
		} else {
			s.rec.count("task "+kind, outcome{kind: "no task in the run's tool outputs"})
		}
	}
}

// taskIDOf finds the task a run's tool outputs name.
func taskIDOf(outputs []json.RawMessage) string {
	for _, raw := range outputs {
		var o taskOutput
		if json.Unmarshal(raw, &o) != nil {
			continue
		}
		if o.Audio != nil && o.Audio.TaskID != "" {
			return o.Audio.TaskID
		}
		if o.Video != nil && o.Video.TaskID != "" {
			return o.Video.TaskID
		}
	}
	return ""
}

// terminal task statuses.
var terminal = map[string]bool{"completed": true, "failed": true, "cancelled": true,
	"insufficient_credits": true, "insufficient_plan": true}

// follow polls the task until it ends (recording the time from the run's
// end under "task <kind>") and checks the websocket push of its end. The
// load stopping ends the wait without a verdict.
func (s *soak) follow(ctx context.Context, kind, id string, ws *wsClient) {
	defer ws.forget(id)
	t0 := time.Now()
	route := "GET /" + kind + "/task/{id}"
	for time.Since(t0) < s.o.taskTimeout {
		var task struct{ Status string }
		err := s.getJSON(ctx, request{route: route, method: "GET", path: "/" + kind + "/task/" + id, u: ws.u}, &task)
		if err == nil && terminal[task.Status] {
			o := outcome{}
			if task.Status != "completed" {
				o = outcome{kind: "status " + task.Status, detail: id}
			}
			s.rec.add("task "+kind+" (run end → "+task.Status+")", t0, o)
			s.checkPush(ctx, kind, id, task.Status, ws)
			return
		}
		if !s.running(ctx) {
			return
		}
		s.sleep(ctx, s.o.poll)
	}
	s.rec.add("task "+kind, t0, outcome{kind: "timeout", detail: id})
}

// checkPush waits a little for the websocket push of the final status
// (it may trail the poll that saw it).
func (s *soak) checkPush(ctx context.Context, kind, id, status string, ws *wsClient) {
	route := "ws push of the task's end (" + kind + ")"
	deadline := time.Now().Add(10 * time.Second)
	for !ws.pushed(id, status) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.rec.count(route, outcome{kind: "missing", detail: id + " " + status})
			return
		}
		s.sleep(ctx, 50*time.Millisecond)
	}
	s.rec.count(route, outcome{})
}

// sleep waits d or until ctx ends.
func (s *soak) sleep(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}

// pause is the back-off of a worker with nothing to do.
func (s *soak) pause(ctx context.Context) { s.sleep(ctx, time.Second) }
