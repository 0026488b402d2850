package jobs

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/tasks"
)

// mediaWorker runs the media tasks of one kind. A job works its task only
// when the task is its user's oldest unfinished one of the kind (creation
// order) and it holds the user's slot of that kind (one at a time, across
// every worker process); otherwise it snoozes, which costs no attempt.
type mediaWorker[T interface {
	river.JobArgs
	Task() string
}] struct {
	river.WorkerDefaults[T]
	j       *Jobs
	kind    string
	timeout time.Duration
	cap     int // global running cap of the kind; 0 = none
}

// Timeout bounds one attempt by the kind's configured time.
func (w *mediaWorker[T]) Timeout(*river.Job[T]) time.Duration { return w.timeout }

// Work runs one attempt of the job's task. A shutdown's interruption
// snoozes the job instead of spending an attempt, and a last attempt that
// fails outside the task's own handling fails the task (refunded), so no
// task outlives its job.
func (w *mediaWorker[T]) Work(ctx context.Context, job *river.Job[T]) error {
	err := w.work(ctx, job)
	var snooze *river.JobSnoozeError
	switch {
	case err == nil || errors.As(err, &snooze):
		return err
	case errors.Is(err, tasks.ErrInterrupted):
		return river.JobSnooze(0)
	case job.Attempt >= job.MaxAttempts:
		w.j.cfg.Tasks.Abandon(context.WithoutCancel(ctx), job.Args.Task(), err)
	}
	return err
}

func (w *mediaWorker[T]) work(ctx context.Context, job *river.Job[T]) error {
	st := w.j.cfg.Store
	t, err := st.GetTask(ctx, job.Args.Task())
	if err == nil && t.Status == store.TaskCancelled {
		// Cancelled while this job waited for its retry: an earlier attempt
		// may have charged it, and nothing else is running to refund it.
		return w.j.cfg.Tasks.Settle(ctx, t.ID)
	}
	if errors.Is(err, store.ErrNotFound) || (err == nil && store.TaskTerminal(t.Status)) {
		return nil // deleted or already done: a duplicate job
	}
	if err != nil {
		return err
	}
	if t.Status == store.TaskPending {
		if first, err := st.AnnounceTask(ctx, t.ID); err == nil && first {
			w.j.cfg.Tasks.Announce(ctx, t)
		}
	}
	head, err := st.HeadTask(ctx, t.UserID, t.Kind)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if head != t.ID {
		return river.JobSnooze(w.j.cfg.Snooze)
	}
	h, ok, err := w.take(ctx, t, job.ID)
	if err != nil {
		return err
	}
	if !ok {
		return river.JobSnooze(w.j.cfg.Snooze)
	}
	defer w.release(ctx, h)
	return w.runHeld(ctx, h, job.Attempt >= job.MaxAttempts)
}

// held names the slots a running task holds.
type held struct {
	task     store.MediaTask
	holder   string // slotHolder of the task and job
	scope    string // the user's slot (n = 0)
	provider string // the kind's capped slot, "" without a cap
	n        int
}

// runHeld runs the task while a heartbeat renews its slots and watches its
// status: a task cancelled meanwhile (thread deleted) stops within a
// heartbeat, and a slot lost to expiry stops the work before another
// worker takes the task over.
func (w *mediaWorker[T]) runHeld(ctx context.Context, h held, lastAttempt bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	beat := make(chan struct{})
	go func() {
		defer close(beat)
		w.heartbeat(ctx, cancel, h)
	}()
	err := w.j.cfg.Tasks.Run(ctx, h.task.ID, lastAttempt)
	cancel()
	<-beat
	return err
}

func (w *mediaWorker[T]) heartbeat(ctx context.Context, stop context.CancelFunc, h held) {
	st, lease := w.j.cfg.Store, w.j.cfg.SlotLease
	tick := time.NewTicker(w.j.cfg.HeartbeatEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		until := time.Now().Add(lease)
		ok, err := st.RenewSlot(ctx, h.scope, 0, h.holder, until)
		if err == nil && ok && h.provider != "" {
			ok, err = st.RenewSlot(ctx, h.provider, h.n, h.holder, until)
		}
		if err == nil && !ok {
			w.j.cfg.Log.Warn("task slot lost; stopping", "task_id", h.task.ID)
			stop()
			return
		}
		status, err := st.TaskStatus(ctx, h.task.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && store.TaskTerminal(status)) {
			stop() // cancelled or ended from outside, or its owner deleted
			return
		}
	}
}

// take takes the user's slot of the kind and, with a global cap, one of
// the kind's provider slots; false (nothing held) when either is busy.
func (w *mediaWorker[T]) take(ctx context.Context, t store.MediaTask, jobID int64) (held, bool, error) {
	st, until := w.j.cfg.Store, time.Now().Add(w.j.cfg.SlotLease)
	h := held{task: t, holder: slotHolder(t.ID, jobID), scope: store.SlotScope(t), n: -1}
	ok, err := st.TakeSlot(ctx, h.scope, 0, h.holder, until)
	if err != nil || !ok || w.cap <= 0 {
		return h, ok, err
	}
	h.provider = "provider:" + w.kind
	for i := range w.cap {
		got, err := st.TakeSlot(ctx, h.provider, i, h.holder, until)
		if got && err == nil {
			h.n = i
			return h, true, nil
		}
		if err != nil {
			st.ReleaseSlot(context.WithoutCancel(ctx), h.scope, 0, h.holder) //nolint:errcheck
			return h, false, err
		}
	}
	// The kind is at its cap: let go and wait.
	err = st.ReleaseSlot(context.WithoutCancel(ctx), h.scope, 0, h.holder)
	return h, false, err
}

// slotHolder names who holds a slot: the task and the job working it, so
// a retry of the same job takes its slot back at once, while a duplicate
// job of the task (a reaper's, say) waits for the lease to run out.
func slotHolder(taskID string, jobID int64) string {
	return taskID + "/" + strconv.FormatInt(jobID, 10)
}

// holderTask is the task id of a slot holder.
func holderTask(holder string) string {
	id, _, _ := strings.Cut(holder, "/")
	return id
}

// release frees the task's slots and wakes the user's next task of the
// kind, which would otherwise sleep out its snooze.
func (w *mediaWorker[T]) release(ctx context.Context, h held) {
	st, bg := w.j.cfg.Store, context.WithoutCancel(ctx)
	if h.provider != "" && h.n >= 0 {
		st.ReleaseSlot(bg, h.provider, h.n, h.holder) //nolint:errcheck // expires anyway
	}
	if err := st.ReleaseSlot(bg, h.scope, 0, h.holder); err != nil {
		w.j.cfg.Log.Warn("release task slot", "task_id", h.task.ID, "err", err)
	}
	if next, err := st.NextTaskJob(bg, h.task.UserID, h.task.Kind, h.task.ID); err == nil {
		w.j.wake(bg, next)
	}
}
