package jobs

import (
	"context"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/kira-art/kira/internal/jobs/jobargs"
)

// titleWorker writes a new thread's model title.
type titleWorker struct {
	river.WorkerDefaults[jobargs.ThreadTitle]
	j *Jobs
}

// Timeout: a title is one short model call.
func (w *titleWorker) Timeout(*river.Job[jobargs.ThreadTitle]) time.Duration { return time.Minute }

// Work asks the model for the title; without a titler the provisional
// title stays.
func (w *titleWorker) Work(ctx context.Context, job *river.Job[jobargs.ThreadTitle]) error {
	if w.j.cfg.Titles == nil {
		return nil
	}
	return w.j.cfg.Titles.WriteTitle(ctx, job.Args.ThreadID)
}

// deleteFilesWorker removes the files a deleted thread or turn left.
type deleteFilesWorker struct {
	river.WorkerDefaults[jobargs.DeleteFiles]
	j *Jobs
}

// Work purges the files; a failure retries the whole (idempotent) list.
func (w *deleteFilesWorker) Work(ctx context.Context, job *river.Job[jobargs.DeleteFiles]) error {
	return w.j.cfg.Files.Purge(ctx, job.Args.FileIDs)
}

// reapWorker hands on the tasks of slots whose worker died: it claims each
// expired slot (one reaper wins it) and settles its task — a new job for
// an unfinished task, a refund for a cancelled one. It also gives a new job
// to a user's next task that nobody has touched for two leases while no
// slot is held (its job died with a process before taking the slot).
type reapWorker struct {
	river.WorkerDefaults[jobargs.ReapSlots]
	j *Jobs
}

// Work reaps what expired before now.
func (w *reapWorker) Work(ctx context.Context, _ *river.Job[jobargs.ReapSlots]) error {
	st := w.j.cfg.Store
	at := time.Now()
	slots, err := st.ExpiredSlots(ctx, at)
	if err != nil {
		return err
	}
	for _, sl := range slots {
		claimed, err := st.ClaimExpiredSlot(ctx, sl, at)
		if err != nil {
			return err
		}
		if !claimed || !strings.HasPrefix(sl.Scope, "user:") {
			continue // provider slots only need freeing
		}
		id := holderTask(sl.Holder)
		w.j.cfg.Log.Warn("task slot expired; handing the task on", "task_id", id, "scope", sl.Scope)
		if err := w.j.cfg.Tasks.Settle(ctx, id); err != nil {
			return err
		}
	}
	stale := at.Add(-2 * w.j.cfg.SlotLease)
	orphans, err := st.OrphanHeadTasks(ctx, stale)
	if err != nil {
		return err
	}
	for _, o := range orphans {
		if w.j.jobAlive(ctx, o.JobID, stale) {
			continue // waiting for a worker, or snoozing: it will come
		}
		w.j.cfg.Log.Warn("next task has no live job; handing it on", "task_id", o.TaskID, "job_id", o.JobID)
		if err := w.j.cfg.Tasks.Settle(ctx, o.TaskID); err != nil {
			return err
		}
	}
	return nil
}
