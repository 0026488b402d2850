// Package tasks is the lifecycle of video and music generation tasks
// (API.md §3.8, §4): pending → processing → completed | failed | cancelled,
// or insufficient_plan / insufficient_credits without a charge. A worker of
// internal/jobs calls Run with the task's slot held; Run charges once per
// task (a ledger key per task), calls the provider outside any database
// transaction, stores the result, and refunds when the task fails or is
// cancelled after its charge. Every status change is pushed to the owner's
// realtime channel after it commits.
package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/kira-art/kira/internal/analytics"
	"github.com/kira-art/kira/internal/files"
	"github.com/kira-art/kira/internal/media"
	"github.com/kira-art/kira/internal/realtime"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/view"
)

// Costs of one output (API.md §4).
const (
	VideoCost = 60
	MusicCost = 25
)

// Deps are what the service works with. Publisher may be nil (no push),
// and Events (product events: video_completed, music_completed) too.
type Deps struct {
	Store     *store.Store
	Files     *files.Service
	Views     *view.Converter
	Video     media.VideoProvider
	Music     media.MusicProvider
	Publisher realtime.Publisher
	Log       *slog.Logger
	Events    analytics.Events
}

// Service runs tasks.
type Service struct{ d Deps }

// New builds the service.
func New(d Deps) *Service {
	d.Events = analytics.Or(d.Events)
	return &Service{d: d}
}

// Run works task id. It returns nil when the task reached a final or
// waiting status (or was already there), and an error only when the job
// should be tried again: a retryable provider failure before the last
// attempt, or an interruption (ctx cancelled while the task still runs).
func (s *Service) Run(ctx context.Context, id string, lastAttempt bool) error {
	t, err := s.d.Store.GetTask(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err == nil && store.TaskTerminal(t.Status) {
		s.refundCancelled(ctx, t)
		return nil
	}
	if err != nil {
		return err
	}
	if t.Status == store.TaskPending {
		ok, err := s.admit(ctx, t)
		if err != nil || !ok {
			return err
		}
	}
	t, started, err := s.d.Store.StartTask(ctx, id)
	if err != nil || !started {
		if err == nil {
			s.refundCancelled(ctx, t) // cancelled between our charge and start
		}
		return err
	}
	s.publish(ctx, t)
	return s.work(ctx, t, lastAttempt)
}

// Announce pushes a new task's pending status (the first worker to pick
// its job up calls it once, so the owner sees pending → processing → …
// in order on the channel).
func (s *Service) Announce(ctx context.Context, t store.MediaTask) { s.publish(ctx, t) }

// admit applies the plan and credit gates of a task that has not started:
// false (with the task moved to insufficient_*) when it may not run.
func (s *Service) admit(ctx context.Context, t store.MediaTask) (bool, error) {
	p, err := s.d.Store.GetProfile(ctx, t.UserID)
	if err != nil {
		return false, err
	}
	if t.Kind == store.MediaVideo && (p.Plan == "" || p.Plan == "free") {
		return false, s.end(ctx, t, store.TaskInsufficientPlan, "")
	}
	_, err = s.d.Store.ChargeCredits(ctx, store.Charge{UserID: t.UserID, Key: ChargeKey(t), Amount: cost(t.Kind),
		Reason: "generate " + t.Kind, RefID: t.ID})
	if errors.Is(err, store.ErrInsufficientCredits) {
		return false, s.end(ctx, t, store.TaskInsufficientCredits, "")
	}
	return err == nil, err
}

// ErrInterrupted means Run stopped because its context was cancelled while
// the task still runs (the process is shutting down): the job should run
// again without counting an attempt.
var ErrInterrupted = errors.New("task interrupted")

// Abandon fails a task whose job gave up for a reason of its own (its
// last attempt ended in an error outside Run), refunding any charge.
func (s *Service) Abandon(ctx context.Context, id string, cause error) {
	t, err := s.d.Store.GetTask(ctx, id)
	if err != nil || store.TaskTerminal(t.Status) {
		return
	}
	s.d.Log.Error("task abandoned after its last attempt", "task_id", id, "err", cause)
	if err := s.end(ctx, t, store.TaskFailed, "generation failed"); err == nil {
		s.refund(ctx, t, "task failed")
	}
}

// ChargeKey is the ledger key of a task's charge: one per task, so a
// retried job or a resubmitted task never pays twice.
func ChargeKey(t store.MediaTask) string { return t.Kind + ":" + t.ID }

func cost(kind string) int {
	if kind == store.MediaVideo {
		return VideoCost
	}
	return MusicCost
}

// work generates, stores and completes a processing task.
func (s *Service) work(ctx context.Context, t store.MediaTask, lastAttempt bool) error {
	res, staged, err := s.generate(ctx, t)
	if err == nil {
		var done store.MediaTask
		done, err = s.d.Store.CompleteTask(ctx, t.ID, res)
		if err == nil {
			s.publish(ctx, done)
			s.completedEvent(done)
			return nil
		}
		s.d.Files.Discard(context.WithoutCancel(ctx), staged...)
	}
	return s.failed(ctx, t, err, lastAttempt)
}

// failed decides what an error of a processing task means: the task was
// cancelled or ended meanwhile (refund, done), the job should retry, or
// the task failed (refund, done).
func (s *Service) failed(ctx context.Context, t store.MediaTask, err error, lastAttempt bool) error {
	bg := context.WithoutCancel(ctx)
	st, serr := s.d.Store.TaskStatus(bg, t.ID)
	if serr != nil && !errors.Is(serr, store.ErrNotFound) {
		return errors.Join(err, serr)
	}
	if st != store.TaskProcessing { // cancelled, or finished by a duplicate job
		if st == store.TaskCancelled {
			s.refund(bg, t, "task cancelled")
		}
		return nil
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w: %w", ErrInterrupted, err) // shutdown: the job runs again
	}
	if media.Retryable(err) && !lastAttempt {
		s.d.Log.Warn("task attempt failed; will retry", "task_id", t.ID, "kind", t.Kind, "err", err)
		return err
	}
	s.d.Log.Warn("task failed", "task_id", t.ID, "kind", t.Kind, "err", err)
	if err := s.end(bg, t, store.TaskFailed, failureMessage(err)); err != nil {
		return err
	}
	s.refund(bg, t, "task failed")
	return nil
}

// end moves t to status and publishes it; a task that ended meanwhile is
// left as it is.
func (s *Service) end(ctx context.Context, t store.MediaTask, status, msg string) error {
	ended, err := s.d.Store.EndTask(ctx, t.ID, status, msg)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	s.publish(ctx, ended)
	return nil
}

func (s *Service) refund(ctx context.Context, t store.MediaTask, reason string) {
	if _, err := s.d.Store.RefundCredits(ctx, t.UserID, ChargeKey(t), reason); err != nil {
		s.d.Log.Error("refund", "task_id", t.ID, "err", err)
	}
}

// refundCancelled refunds a cancelled task that an earlier attempt charged
// (the thread was deleted while the job waited for its retry, so no
// running attempt saw it). The refund's own ledger key keeps it to one;
// other statuses and uncharged tasks are left alone.
func (s *Service) refundCancelled(ctx context.Context, t store.MediaTask) {
	if t.Status == store.TaskCancelled {
		s.refund(context.WithoutCancel(ctx), t, "task cancelled")
	}
}

// Settle finishes the books of a task whose worker died: a cancelled task
// is refunded (once); an unfinished one gets a new job.
func (s *Service) Settle(ctx context.Context, id string) error {
	t, err := s.d.Store.GetTask(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if store.TaskTerminal(t.Status) {
		s.refundCancelled(ctx, t)
		return nil
	}
	return s.d.Store.RequeueTask(ctx, id)
}

// failureMessage is what the task's errorMessage says: the provider's own
// words when it gave some (never keys or URLs), else a generic line.
func failureMessage(err error) string {
	var pe *media.ProviderError
	switch {
	case errors.As(err, &pe) && pe.Message != "":
		return truncate("generation failed: "+pe.Message, 300)
	case errors.Is(err, files.ErrBrokenMedia):
		return "generation failed: the provider returned a broken file"
	case errors.Is(err, media.ErrBadRequest):
		return truncate(err.Error(), 300)
	case errors.Is(err, context.DeadlineExceeded):
		return "generation timed out"
	}
	return "generation failed"
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// publish pushes a task's status to its owner's thread channel. Failures
// are logged: the task's state is in the database either way.
func (s *Service) publish(ctx context.Context, t store.MediaTask) {
	if s.d.Publisher == nil || t.ThreadID == "" {
		return
	}
	data, err := json.Marshal(s.d.Views.TaskStatus(t, view.TaskKeys(t)))
	if err == nil {
		err = s.d.Publisher.Publish(context.WithoutCancel(ctx), realtime.UserChannel(t.UserID, t.ThreadID), data)
	}
	if err != nil {
		s.d.Log.Warn("publish task status", "task_id", t.ID, "status", t.Status, "err", err)
	}
}

// completedEvent captures video_completed or music_completed for the
// task's owner (only enqueued: PostHog is never waited on).
func (s *Service) completedEvent(t store.MediaTask) {
	name := analytics.MusicCompleted
	if t.Kind == store.MediaVideo {
		name = analytics.VideoCompleted
	}
	s.d.Events.Capture(t.UserID, name, map[string]any{"task_id": t.ID, "provider": t.Provider})
}
