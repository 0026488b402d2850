package agent

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/kira-art/kira/internal/llm"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/uistream"
)

var now = time.Now

// outcome collects what a run produced for the final transaction.
type outcome struct {
	images []store.VersionImage
	tasks  []store.MediaTask
}

// execute runs the model loop until it answers without tool calls, is
// stopped, fails or hits the step limit, then commits and closes the log.
func (s *Service) execute(ctx context.Context, r store.Run, req StartRequest, e *emitter) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopped := s.watchCancel(ctx, r.ID, cancel)
	go s.heartbeat(ctx, r)

	var out outcome
	err := s.loop(ctx, r, req, e, &out)
	status, meta := store.RunCompleted, json.RawMessage(nil)
	switch {
	case stopped.Load() || errors.Is(err, context.Canceled): // stop request or shutdown
		status, meta, err = store.RunStopped, metadata("stopped"), nil
	case err != nil:
		status, meta = store.RunFailed, metadata("error")
		s.d.Log.Error("run failed", "run_id", r.ID, "thread_id", r.ThreadID, "err", err)
	}
	s.finish(r, e, out, status, meta, err)
}

// finish writes the closing chunks, commits the run and closes its log.
// It runs on a fresh context: a stopped run must still be saved.
func (s *Service) finish(r store.Run, e *emitter, out outcome, status string, meta json.RawMessage, runErr error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = e.closeBlocks(ctx)
	if runErr != nil {
		_ = e.emit(ctx, uistream.Error("Something went wrong while generating the response."))
	} else {
		_ = e.emit(ctx, uistream.Finish(meta))
	}
	msg := e.asm.Message()
	if len(meta) > 0 {
		msg.Metadata = mergeMeta(msg.Metadata, meta)
	}
	body, err := json.Marshal(msg)
	var assistant *store.Message
	if err == nil {
		assistant = &store.Message{ThreadID: r.ThreadID, UserID: r.UserID, ID: r.AssistantMessageID, Role: "assistant", Body: body}
	}
	res := store.RunResult{RunID: r.ID, Status: status, Assistant: assistant, Images: out.images, Tasks: out.tasks}
	if runErr != nil {
		res.Error = runErr.Error()
	}
	v, err := s.d.Store.FinishRun(ctx, res)
	if err != nil {
		s.d.Log.Error("commit run", "run_id", r.ID, "err", err)
	}
	if err := s.d.Runs.Close(ctx, r.ID); err != nil {
		s.d.Log.Warn("close run log", "run_id", r.ID, "err", err)
	}
	if err := s.d.Runs.Release(ctx, r.ThreadID, r.ID); err != nil {
		s.d.Log.Debug("release lease", "run_id", r.ID, "err", err)
	}
	if s.d.OnFinish != nil && err == nil {
		r.Status = status
		s.d.OnFinish(ctx, r, v)
	}
}

func mergeMeta(a, b json.RawMessage) json.RawMessage {
	m := map[string]any{}
	_ = json.Unmarshal(a, &m)
	_ = json.Unmarshal(b, &m)
	out, _ := json.Marshal(m)
	return out
}

// loop is the agent: stream a step, run its tools, feed results back.
func (s *Service) loop(ctx context.Context, r store.Run, req StartRequest, e *emitter, out *outcome) error {
	rows, err := s.d.Store.ListMessages(ctx, r.ThreadID)
	if err != nil {
		return err
	}
	msgs := history(rows)
	for step := 0; step < s.d.MaxSteps; step++ {
		if err := e.emit(ctx, uistream.StartStep()); err != nil {
			return err
		}
		text, calls, err := s.step(ctx, msgs, req, e)
		if err != nil {
			return err
		}
		if err := e.closeBlocks(ctx); err != nil {
			return err
		}
		msgs = append(msgs, llm.AssistantMessage(text, calls...))
		for _, c := range calls {
			result, isErr := s.runTool(ctx, r, req, c, e, out)
			msgs = append(msgs, llm.ToolResult(c.ID, c.Name, result, isErr))
		}
		if err := e.emit(ctx, uistream.FinishStep()); err != nil {
			return err
		}
		if len(calls) == 0 {
			return nil
		}
	}
	return nil
}

// step streams one model round-trip into the log.
func (s *Service) step(ctx context.Context, msgs []llm.Message, req StartRequest, e *emitter) (string, []llm.ToolCall, error) {
	stream, err := s.d.Model.Stream(ctx, llm.Request{Messages: msgs, Tools: llm.Tools(), Thinking: req.Thinking})
	if err != nil {
		return "", nil, err
	}
	defer stream.Close()
	var text []byte
	var calls []llm.ToolCall
	for {
		ev, err := stream.Next()
		if errors.Is(err, io.EOF) {
			return string(text), calls, nil
		}
		if err != nil {
			return string(text), calls, err
		}
		switch ev := ev.(type) {
		case llm.TextDelta:
			text = append(text, ev.Text...)
			err = e.text(ctx, ev.Text)
		case llm.ReasoningDelta:
			err = e.reasoning(ctx, ev.Text)
		case llm.ToolCallStart:
			if err = e.closeBlocks(ctx); err == nil {
				err = e.emit(ctx, uistream.ToolInputStart(ev.ID, ev.Name))
			}
		case llm.ToolCallDelta:
			err = e.emit(ctx, uistream.ToolInputDelta(ev.ID, ev.ArgsDelta))
		case llm.ToolCallDone:
			calls = append(calls, llm.ToolCall{ID: ev.ID, Name: ev.Name, Args: ev.Args})
			err = e.emit(ctx, uistream.ToolInputAvailable(ev.ID, ev.Name, json.RawMessage(ev.Args)))
		}
		if err != nil {
			return string(text), calls, err
		}
	}
}

// heartbeat renews the thread lease and the run's database lease.
func (s *Service) heartbeat(ctx context.Context, r store.Run) {
	t := time.NewTicker(s.d.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.d.Runs.Renew(ctx, r.ThreadID, r.ID, s.d.LeaseTTL); err != nil && ctx.Err() == nil {
				s.d.Log.Warn("renew run lease", "run_id", r.ID, "err", err)
			}
			if err := s.d.Store.RenewRunLease(ctx, r.ID, now().Add(s.d.LeaseTTL)); err != nil && ctx.Err() == nil {
				s.d.Log.Warn("renew run row lease", "run_id", r.ID, "err", err)
			}
		}
	}
}
