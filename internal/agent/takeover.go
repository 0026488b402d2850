package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kira-art/kira/internal/llm"
	"github.com/kira-art/kira/internal/runs"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/uimsg"
	"github.com/kira-art/kira/internal/uistream"
	"github.com/kira-art/kira/internal/view"
)

// Run takeover (STREAMING.md §2): when an instance dies mid-run its leases
// run out, and the first instance whose reaper claims the run in the
// database continues it in the same stream log. Viewers tailing the log on
// any instance see one stream: what the dead instance wrote, then the rest.
// Tools never run twice: a call with an output in the log is not called
// again, and a call the dead instance had started is made idempotent by its
// toolCallId (deterministic image and task ids, ledger keys per image).

// interruptedCall is the tool error for a call the model was still writing
// when its instance died: its arguments are incomplete.
const interruptedCall = "The response was interrupted while this tool call was being written."

// takeOver continues a run this instance has claimed. A run whose log is
// gone (Redis lost it, or embedded mode restarted) cannot be continued and
// is saved as failed.
func (s *Service) takeOver(ctx context.Context, r store.Run) {
	log := s.d.Log.With("run_id", r.ID, "thread_id", r.ThreadID)
	// Claim the log before reading it: an old owner that only stalled can
	// no longer append, so the snapshot is where the run really stopped.
	if err := s.d.Runs.Claim(ctx, r.ID, s.d.Instance); err != nil {
		log.Warn("take over run: claim its log", "err", err)
		return // the claim expires again and the next tick retries
	}
	evs, closed, err := s.d.Runs.Snapshot(ctx, r.ID)
	if errors.Is(err, runs.ErrNotFound) || (err == nil && (closed || len(evs) == 0)) {
		log.Warn("run lease expired and its stream log is gone or closed: marked failed")
		s.failOrphan(ctx, r, "lease expired; stream log lost")
		return
	}
	if err != nil {
		log.Warn("take over run: read its log", "err", err)
		return // the claim expires again and the next tick retries
	}
	e, rp, err := replayLog(s.d.Runs, r.ID, s.d.Instance, evs)
	if err != nil {
		log.Error("take over run: its log does not replay", "err", err)
		s.failOrphan(ctx, r, err.Error())
		return
	}
	if err := s.d.Runs.Acquire(ctx, r.ThreadID, r.ID, s.d.LeaseTTL); err != nil {
		// The database row is the authority on who runs what; the thread
		// lease only keeps new runs out, so a failure here is logged.
		log.Warn("take over run: thread lease", "err", err)
	}
	log.Info("run taken over", "steps", rp.steps, "events", len(evs))
	req := StartRequest{UserID: r.UserID, ThreadID: r.ThreadID, Thinking: rp.thinking}
	s.launch(r, func(ctx context.Context) { s.execute(ctx, r, req, e, rp) })
}

// failOrphan ends a claimed run that cannot be continued: failed, no
// message, its log closed so viewers are released.
func (s *Service) failOrphan(ctx context.Context, r store.Run, reason string) {
	ctx = context.WithoutCancel(ctx)
	s.d.Runs.AppendAs(ctx, r.ID, s.d.Instance, mustChunk(errorChunk("The server running this response stopped."))) //nolint:errcheck // log may be gone
	if _, err := s.d.Store.FinishRun(ctx, store.RunResult{RunID: r.ID, Instance: r.Instance, Status: store.RunFailed, Error: reason}); err != nil {
		s.d.Log.Warn("fail orphaned run", "run_id", r.ID, "err", err)
	}
	s.d.Runs.Close(ctx, r.ID)               //nolint:errcheck
	s.d.Runs.Release(ctx, r.ThreadID, r.ID) //nolint:errcheck
}

// resume brings an interrupted run to a step boundary: it recovers the
// outcome of finished tool calls, answers the calls the dead instance left
// open, continues a cut-off text, and reports whether the loop must go on
// with another step.
func (s *Service) resume(ctx context.Context, r store.Run, req StartRequest, e *emitter, out *outcome, rp *replay, base []llm.Message) (bool, error) {
	if err := s.recoverOutcome(ctx, r, e.asm.Message(), out); err != nil {
		return false, err
	}
	switch {
	case rp.finished || rp.failed:
		return false, errAlreadyEnded
	case !rp.stepOpen:
		return rp.steps == 0 || rp.lastCalls > 0, nil
	}
	pending := slices.DeleteFunc(slices.Clone(rp.calls), func(c llm.ToolCall) bool { return rp.done[c.ID] })
	if len(rp.calls) > 0 || len(rp.partial) > 0 {
		// The model had stopped talking in this step: calls cut off while
		// their arguments were written end as errors (the model retries
		// them in the next step), complete ones run now.
		if err := s.closeCutOffCalls(ctx, e, rp.partial); err != nil {
			return false, err
		}
		return true, s.endStep(ctx, r, req, e, out, pending)
	}
	// The model was still writing text or reasoning: it continues from
	// the text already streamed, in the same block.
	msgs := append(slices.Clip(base), assistantSteps(rp.beforeOpenStep(e.asm.Message()))...)
	calls, err := s.step(ctx, msgs, req, e, &llm.Resume{Text: rp.text, Reasoning: rp.reasoning})
	if err != nil {
		return false, err
	}
	return len(calls) > 0, s.endStep(ctx, r, req, e, out, calls)
}

// closeCutOffCalls ends tool calls whose input was still streaming: their
// input becomes available as far as it was written, then the call fails,
// which is how a stored interrupted call reads too (STREAMING.md §4).
func (s *Service) closeCutOffCalls(ctx context.Context, e *emitter, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := e.closeBlocks(ctx); err != nil {
		return err
	}
	m := e.asm.Message()
	for _, id := range ids {
		name, input := partialCall(m, id)
		if err := e.emit(ctx, uistream.ToolInputAvailable(id, name, input)); err != nil {
			return err
		}
		if err := e.emit(ctx, uistream.ToolOutputError(id, interruptedCall)); err != nil {
			return err
		}
	}
	return nil
}

// partialCall is a cut-off call's tool name and the input the client has
// parsed from its partial arguments ({} when nothing parsed).
func partialCall(m uimsg.Message, id string) (string, json.RawMessage) {
	for i := len(m.Parts) - 1; i >= 0; i-- {
		var p rawPart
		if json.Unmarshal(m.Parts[i], &p) == nil && p.ToolCallID == id && strings.HasPrefix(p.Type, "tool-") {
			if len(p.Input) == 0 || p.Input[0] != '{' {
				p.Input = json.RawMessage("{}")
			}
			return strings.TrimPrefix(p.Type, "tool-"), p.Input
		}
	}
	return "unknown", json.RawMessage("{}")
}

// errAlreadyEnded: the dead instance had written the run's last chunk and
// died before committing; execute commits without writing more.
var errAlreadyEnded = errors.New("agent: run had already ended")

// recoverOutcome rebuilds what finished tool calls produced (the images of
// the version, the tasks to queue) from the message and the store, without
// calling any tool.
func (s *Service) recoverOutcome(ctx context.Context, r store.Run, m uimsg.Message, out *outcome) error {
	for _, raw := range m.Parts {
		var p rawPart
		if json.Unmarshal(raw, &p) != nil || p.State != "output-available" || !strings.HasPrefix(p.Type, "tool-") {
			continue
		}
		c := llm.ToolCall{ID: p.ToolCallID, Name: strings.TrimPrefix(p.Type, "tool-"), Args: p.Input}
		switch c.Name {
		case llm.ToolGenerateImage, llm.ToolEditImage:
			var list view.ImageList
			if err := json.Unmarshal(p.Output, &list); err != nil {
				return fmt.Errorf("recover %s output: %w", c.ID, err)
			}
			for _, img := range list.Images {
				f, err := s.d.Store.GetFile(ctx, img.ImageID)
				if err != nil {
					return fmt.Errorf("recover image %s: %w", img.ImageID, err)
				}
				out.images = append(out.images, versionImage(f))
			}
		case llm.ToolGenerateVideo, llm.ToolGenerateMusic:
			if _, err := s.queueTask(c, r, out); err != nil {
				return fmt.Errorf("recover task of %s: %w", c.ID, err)
			}
		}
	}
	return nil
}

// launch runs fn as one of this process's runs: Stop cancels it, Drain
// waits for it.
func (s *Service) launch(r store.Run, fn func(ctx context.Context)) {
	runCtx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.cancels[r.ID] = cancel
	if s.stopping { // Stop ran before this run registered
		cancel()
	}
	s.mu.Unlock()
	s.wg.Go(func() {
		defer func() {
			s.mu.Lock()
			delete(s.cancels, r.ID)
			s.mu.Unlock()
			cancel()
		}()
		fn(runCtx)
	})
}

// claimInterval is how often the reaper looks for runs to take over: a
// fifth of the lease, so a dead instance's runs continue within about 1.2
// leases.
func (s *Service) claimInterval() time.Duration { return max(s.d.LeaseTTL/5, 100*time.Millisecond) }
