package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/jobs/jobargs"
	"github.com/kira-art/kira/internal/store"
)

// AccountDeleter hard-deletes an account (internal/accounts).
type AccountDeleter interface {
	HardDelete(ctx context.Context, userID string) (store.DeletedUser, error)
}

// PrefixDeleter removes every blob under one owner's prefix (blob.Store).
type PrefixDeleter interface {
	DeletePrefix(ctx context.Context, prefix string) error
}

// errNotConfigured fails a job whose dependency the process was built
// without; River retries it, so a correctly configured instance runs it.
var errNotConfigured = errors.New("jobs: worker not configured in this process")

// deleteAccountWorker runs a scheduled deletion that came due.
type deleteAccountWorker struct {
	river.WorkerDefaults[jobargs.DeleteAccount]
	j *Jobs
}

// Timeout: stopping the user's runs waits up to 30 s each; the delete is
// one transaction.
func (w *deleteAccountWorker) Timeout(*river.Job[jobargs.DeleteAccount]) time.Duration {
	return 5 * time.Minute
}

// Work hard-deletes the user; it is idempotent, so a retry after a crash
// between commit and completion finds nothing to do.
func (w *deleteAccountWorker) Work(ctx context.Context, job *river.Job[jobargs.DeleteAccount]) error {
	if w.j.cfg.Accounts == nil {
		return errNotConfigured
	}
	_, err := w.j.cfg.Accounts.HardDelete(ctx, job.Args.UserID)
	return err
}

// deleteBlobPrefixWorker removes a deleted user's objects.
type deleteBlobPrefixWorker struct {
	river.WorkerDefaults[jobargs.DeleteBlobPrefix]
	j *Jobs
}

// Work deletes the prefix. A prefix the blob store refuses is a bug that
// no retry fixes: the job is cancelled rather than retried.
func (w *deleteBlobPrefixWorker) Work(ctx context.Context, job *river.Job[jobargs.DeleteBlobPrefix]) error {
	if w.j.cfg.Blobs == nil {
		return errNotConfigured
	}
	err := w.j.cfg.Blobs.DeletePrefix(ctx, job.Args.Prefix)
	if errors.Is(err, blob.ErrBadKey) {
		return river.JobCancel(err)
	}
	return err
}
