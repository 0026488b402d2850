package agent

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"sync/atomic"
	"time"

	"github.com/kira-art/kira/internal/llm"
	"github.com/kira-art/kira/internal/runs"
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
// rp is nil for a new run and the replayed log for a run taken over.
func (s *Service) execute(ctx context.Context, r store.Run, req StartRequest, e *emitter, rp *replay) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopped := s.watchCancel(ctx, r.ID, cancel)
	lost := s.heartbeat(ctx, r, cancel)

	var out outcome
	err := s.loop(ctx, r, req, e, &out, rp)
	if lost.Load() || errors.Is(err, runs.ErrFenced) {
		// Another instance holds the run now (this one stalled past its
		// lease): it writes the rest, so this one must not write at all.
		s.d.Log.Warn("run taken over by another instance: stopped here", "run_id", r.ID)
		return
	}
	if errors.Is(err, errAlreadyEnded) {
		s.commitEnded(r, e, out, rp)
		return
	}
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
// It runs on a fresh context: a stopped run must still be saved. A failed
// run ends its stream with the error chunk (nothing may follow it) and its
// partial message is stored with {"status":"error"}.
func (s *Service) finish(r store.Run, e *emitter, out outcome, status string, meta json.RawMessage, runErr error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = e.closeBlocks(ctx)
	if runErr != nil {
		_ = e.emit(ctx, uistream.Error(errorText(runErr))) // the last chunk (STREAMING.md §1)
	} else {
		_ = e.emit(ctx, uistream.Finish(meta))
	}
	s.commit(ctx, r, e, out, status, meta, runErr)
}

// commit stores the assistant message (the fold of the log) with the run's
// outputs and status, then closes the log and frees the thread.
func (s *Service) commit(ctx context.Context, r store.Run, e *emitter, out outcome, status string, meta json.RawMessage, runErr error) {
	msg := e.asm.Message()
	if len(meta) > 0 {
		msg.Metadata = mergeMeta(msg.Metadata, meta)
	}
	body, err := json.Marshal(msg)
	var assistant *store.Message
	if err == nil {
		assistant = &store.Message{ThreadID: r.ThreadID, UserID: r.UserID, ID: r.AssistantMessageID, Role: "assistant", Body: body}
	}
	res := store.RunResult{RunID: r.ID, Instance: r.Instance, Status: status, Assistant: assistant, Images: out.images, Tasks: out.tasks}
	if runErr != nil {
		res.Error = runErr.Error()
	}
	v, err := s.d.Store.FinishRun(ctx, res)
	if errors.Is(err, store.ErrNotFound) {
		// Another instance took the run over while this one stalled; the
		// log and the thread are its now.
		s.d.Log.Warn("run was taken over by another instance: not committed here", "run_id", r.ID)
		return
	}
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

// commitEnded commits a taken-over run whose log already holds its end
// (the dead instance died between its last chunk and its commit), with the
// status that end announced.
func (s *Service) commitEnded(r store.Run, e *emitter, out outcome, rp *replay) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	status, meta := store.RunCompleted, json.RawMessage(nil)
	switch {
	case rp.failed:
		status, meta = store.RunFailed, metadata("error")
	case rp.status == "stopped":
		status = store.RunStopped
	}
	var runErr error
	if status == store.RunFailed {
		runErr = errors.New("failed before takeover")
	}
	s.commit(ctx, r, e, out, status, meta, runErr)
}

// errorText is what the error chunk tells the user.
func errorText(err error) string {
	if errors.Is(err, errStepLimit) {
		return "The response needed more steps than allowed and was cut short."
	}
	return "Something went wrong while generating the response."
}

func mergeMeta(a, b json.RawMessage) json.RawMessage {
	m := map[string]any{}
	_ = json.Unmarshal(a, &m)
	_ = json.Unmarshal(b, &m)
	out, _ := json.Marshal(m)
	return out
}

// errStepLimit ends a run whose model still calls tools after MaxSteps
// steps: it cannot finish its answer, so it ends as an error.
var errStepLimit = errors.New("agent: step limit reached")

// loop is the agent: stream a step, run its tools, feed results back. The
// model's input is rebuilt from the message the stream has assembled so far
// before every step, so a run taken over continues from its log exactly as
// the run that wrote it would have.
func (s *Service) loop(ctx context.Context, r store.Run, req StartRequest, e *emitter, out *outcome, rp *replay) error {
	rows, err := s.d.Store.ListMessages(ctx, r.ThreadID)
	if err != nil {
		return err
	}
	base := history(rows)
	step := 0
	if rp != nil {
		step = rp.steps
		more, err := s.resume(ctx, r, req, e, out, rp, base)
		if err != nil || !more {
			return err
		}
	}
	for ; step < s.d.MaxSteps; step++ {
		if err := e.emit(ctx, uistream.StartStep()); err != nil {
			return err
		}
		msgs := append(slices.Clip(base), assistantSteps(e.asm.Message())...)
		calls, err := s.step(ctx, msgs, req, e, nil)
		if err != nil {
			return err
		}
		if err := s.endStep(ctx, r, req, e, out, calls); err != nil {
			return err
		}
		if len(calls) == 0 {
			return nil
		}
	}
	return errStepLimit
}

// endStep closes the step's blocks, runs its tool calls and writes
// finish-step.
func (s *Service) endStep(ctx context.Context, r store.Run, req StartRequest, e *emitter, out *outcome, calls []llm.ToolCall) error {
	if err := e.closeBlocks(ctx); err != nil {
		return err
	}
	for _, c := range calls {
		s.runTool(ctx, r, req, c, e, out)
	}
	return e.emit(ctx, uistream.FinishStep())
}

// step streams one model round-trip into the log and returns its tool
// calls. resume continues an interrupted step instead of starting one.
func (s *Service) step(ctx context.Context, msgs []llm.Message, req StartRequest, e *emitter, resume *llm.Resume) ([]llm.ToolCall, error) {
	stream, err := s.d.Model.Stream(ctx, llm.Request{Messages: msgs, Tools: llm.Tools(), Thinking: req.Thinking, Resume: resume})
	if err != nil {
		return nil, err
	}
	defer stream.Close()
	var calls []llm.ToolCall
	for {
		ev, err := stream.Next()
		if errors.Is(err, io.EOF) {
			return calls, nil
		}
		if err != nil {
			return calls, err
		}
		switch ev := ev.(type) {
		case llm.TextDelta:
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
			return calls, err
		}
	}
}

// heartbeat renews the thread lease and the run's database lease. The
// database lease is fenced by instance: when it cannot be renewed because
// another instance took the run over, the run is cancelled and the returned
// flag set, so this instance stops writing to a log that is not its own.
func (s *Service) heartbeat(ctx context.Context, r store.Run, cancel context.CancelFunc) *atomic.Bool {
	lost := new(atomic.Bool)
	go func() {
		t := time.NewTicker(s.d.LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := s.d.Runs.Renew(ctx, r.ThreadID, r.ID, s.d.LeaseTTL); err != nil && ctx.Err() == nil {
				s.d.Log.Warn("renew run lease", "run_id", r.ID, "err", err)
			}
			err := s.d.Store.RenewRunLease(ctx, r.ID, r.Instance, now().Add(s.d.LeaseTTL))
			switch {
			case errors.Is(err, store.ErrNotFound) && ctx.Err() == nil:
				lost.Store(true)
				cancel()
				return
			case err != nil && ctx.Err() == nil:
				s.d.Log.Warn("renew run row lease", "run_id", r.ID, "err", err)
			}
		}
	}()
	return lost
}
