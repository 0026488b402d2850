package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/kira-art/kira/internal/jobs/jobargs"
)

// ThreadModerator checks a new thread's first message and flags the thread
// on a hit (internal/agent). An error means the check could not decide
// (provider down): River retries the job.
type ThreadModerator interface {
	ModerateThread(ctx context.Context, threadID string) error
}

// moderateWorker moderates a new thread's first message in the background,
// so POST /thread/ never waits on the moderation provider.
type moderateWorker struct {
	river.WorkerDefaults[jobargs.ModerateThread]
	j *Jobs
}

// Timeout: a text and a few images, each one provider call with its own
// timeout (MODERATION_TIMEOUT).
func (w *moderateWorker) Timeout(*river.Job[jobargs.ModerateThread]) time.Duration {
	return 2 * time.Minute
}

// Work runs the check; without a moderator the job is done unchecked
// (tests and tools that build jobs without one).
func (w *moderateWorker) Work(ctx context.Context, job *river.Job[jobargs.ModerateThread]) error {
	if w.j.cfg.Moderation == nil {
		return nil
	}
	return w.j.cfg.Moderation.ModerateThread(ctx, job.Args.ThreadID)
}
