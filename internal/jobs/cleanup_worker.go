package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/kira-art/kira/internal/jobs/jobargs"
)

// Cleaner deletes a deleted user's record at one third-party service
// (internal/accounts/external implements it; the interface lives here so
// jobs does not import the adapters).
type Cleaner interface {
	Cleanup(ctx context.Context, args jobargs.ExternalCleanup) error
}

// cleanupWorker runs the ExternalCleanup jobs a hard delete leaves: one
// per service, each retried by River through upstream outages.
type cleanupWorker struct {
	river.WorkerDefaults[jobargs.ExternalCleanup]
	j *Jobs
}

// Timeout: a cleanup is a few upstream calls, each bounded by its HTTP
// client's own timeout.
func (w *cleanupWorker) Timeout(*river.Job[jobargs.ExternalCleanup]) time.Duration {
	return 2 * time.Minute
}

// NextRetry is River's backoff (zero time) unless Config.RetryDelay sets
// a fixed wait (tests).
func (w *cleanupWorker) NextRetry(*river.Job[jobargs.ExternalCleanup]) time.Time {
	if d := w.j.cfg.RetryDelay; d > 0 {
		return time.Now().Add(d)
	}
	return time.Time{}
}

// Work calls the service's cleaner. An unconfigured service completes at
// once: there is nothing kira may delete there. A job without a user id
// is cancelled, as no attempt can succeed. Every upstream failure is
// returned for River to retry — a rejected key too (logged at error level
// as the configuration problem it is): an operator fixes it within the
// days the retries last, and the data still goes.
func (w *cleanupWorker) Work(ctx context.Context, job *river.Job[jobargs.ExternalCleanup]) error {
	a := job.Args
	log := w.j.cfg.Log.With("service", a.Service, "user_id", a.UserID, "attempt", job.Attempt)
	c := w.j.cfg.Cleaners[a.Service]
	switch {
	case c == nil:
		log.Info("external cleanup: service not configured, nothing to delete")
		return nil
	case a.UserID == "":
		log.Error("external cleanup: the job names no user; cancelled")
		return river.JobCancel(errors.New("external cleanup without a user id"))
	}
	err := c.Cleanup(ctx, a)
	switch {
	case err == nil:
		log.Info("external cleanup done")
	case configProblem(err):
		log.Error("external cleanup: credentials rejected; check the service's key (retrying)", "err", err)
	default:
		log.Warn("external cleanup failed (retrying)", "err", err)
	}
	return err
}

// configProblem reports an error that says a credential was rejected
// (internal/accounts/external's Error has ConfigProblem).
func configProblem(err error) bool {
	var cp interface{ ConfigProblem() bool }
	return errors.As(err, &cp) && cp.ConfigProblem()
}
