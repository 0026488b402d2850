// Package jobs runs the background work: River workers for media tasks,
// thread titles, file clean-ups and mail (with the daily sweep), the
// per-user-per-tool slot that keeps a user's tasks of one kind running one
// at a time in creation order across every worker process, and the
// periodic reaper that hands the task of a dead worker to a new job. Jobs
// are inserted by the store, inside the transactions that create their
// rows (internal/jobs/jobargs).
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
	"riverqueue.com/riverui"
	"riverqueue.com/riverui/uiendpoints"

	"github.com/kira-art/kira/internal/jobs/jobargs"
	"github.com/kira-art/kira/internal/store"
)

// TaskRunner runs one media task (internal/tasks).
type TaskRunner interface {
	Announce(ctx context.Context, t store.MediaTask) // push a new task's pending status
	Run(ctx context.Context, taskID string, lastAttempt bool) error
	Settle(ctx context.Context, taskID string) error
	// Abandon fails (and refunds) a task whose job's last attempt failed.
	Abandon(ctx context.Context, taskID string, cause error)
}

// Titler writes a thread's model title (internal/agent).
type Titler interface {
	WriteTitle(ctx context.Context, threadID string) error
}

// FilePurger deletes files with their objects (internal/files).
type FilePurger interface {
	Purge(ctx context.Context, ids []string) error
}

// Config is what the workers need. Zero durations and counts take the
// defaults below.
type Config struct {
	Store  *store.Store
	Tasks  TaskRunner
	Titles Titler // nil: titles stay provisional
	Files  FilePurger
	Log    *slog.Logger
	// Cleaners delete a hard-deleted user's records upstream, by service
	// (jobargs.Service*); a service without one is skipped.
	Cleaners map[string]Cleaner
	// RetryDelay, when set, replaces River's backoff for failed external
	// cleanups (tests retry at once).
	RetryDelay time.Duration
	// Mail sends the SendMail jobs and runs the daily sweep; nil: mail
	// jobs complete without sending (logged once).
	Mail Mailer

	// Moderation checks new threads' first messages (nil: unchecked).
	Moderation ThreadModerator
	// Accounts runs scheduled account deletions and Blobs removes a
	// deleted account's objects; nil fails (and retries) those jobs.
	Accounts AccountDeleter
	Blobs    PrefixDeleter

	VideoTimeout time.Duration // per video job attempt (30 min)
	MusicTimeout time.Duration // per music job attempt (10 min)
	// SlotLease is how long a task's slot outlives a worker that stopped
	// renewing it (died): the reaper then gives the task a new job.
	SlotLease time.Duration // 30 s
	// HeartbeatEvery is how often a running task renews its slot and looks
	// for its cancellation (SlotLease/3, at most 1 s). Tests set it longer
	// than the lease to play a worker that died.
	HeartbeatEvery time.Duration
	// Snooze is how long a job waits before looking again when its user's
	// slot is busy; a finishing task wakes the next one sooner.
	Snooze time.Duration // 2 s
	// VideoConcurrency and MusicConcurrency cap running tasks of a kind
	// across all workers (0: no cap beyond one per user).
	VideoConcurrency, MusicConcurrency int
	// MediaWorkers is how many media jobs one process runs at once (0 is
	// the default); NoMediaJobs leaves media jobs to other processes.
	MediaWorkers int // 8
	NoMediaJobs  bool
	// PollInterval is how often a worker looks for new jobs when it is not
	// told (SQLite has no LISTEN/NOTIFY; Postgres is told at once).
	PollInterval time.Duration // 200 ms on SQLite, 1 s on Postgres
	// ReapEvery is the reaper's period.
	ReapEvery time.Duration // 5 s
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.VideoTimeout, 30*time.Minute)
	def(&c.MusicTimeout, 10*time.Minute)
	def(&c.SlotLease, 30*time.Second)
	def(&c.Snooze, 2*time.Second)
	def(&c.ReapEvery, jobargs.ReapEvery)
	def(&c.HeartbeatEvery, min(c.SlotLease/3, time.Second))
	if c.MediaWorkers <= 0 {
		c.MediaWorkers = 8
	}
	if c.PollInterval <= 0 {
		c.PollInterval, _ = FetchSettings(c.Store.Dialect())
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	return c
}

// fetchCooldown is the least time between two fetches of a queue: River's
// 100 ms default caps pickup at MaxWorkers per 100 ms and adds ~50 ms to
// every start; 20 ms costs a few more small queries under load.
const fetchCooldown = 20 * time.Millisecond

// FetchSettings are the poll interval and fetch cooldown kira's River
// clients use on a dialect: Postgres is told of new jobs at once (LISTEN/
// NOTIFY) and polls only as a fallback; SQLite has no notifications, so it
// polls often (one small query on the single writer).
func FetchSettings(d store.Dialect) (poll, cooldown time.Duration) {
	if d == store.SQLite {
		return 100 * time.Millisecond, fetchCooldown
	}
	return time.Second, fetchCooldown
}

// client is the part of river.Client the package uses; the type parameter
// differs by driver (pgx.Tx on Postgres, *sql.Tx on SQLite).
type client interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	JobRetry(ctx context.Context, id int64) (*rivertype.JobRow, error)
	JobGet(ctx context.Context, id int64) (*rivertype.JobRow, error)
}

// Jobs is the running River client with its workers.
type Jobs struct {
	cfg    Config
	client client
	ui     uiendpoints.Bundle // River UI's API over client (see UI)
}

// New builds the client and registers every worker. Nothing runs until
// Start.
func New(cfg Config) (*Jobs, error) {
	if cfg.Store == nil || cfg.Tasks == nil || cfg.Files == nil {
		return nil, errors.New("jobs: Store, Tasks and Files are required")
	}
	cfg = cfg.withDefaults()
	j := &Jobs{cfg: cfg}
	ws := river.NewWorkers()
	river.AddWorker(ws, &mediaWorker[jobargs.VideoTask]{j: j, kind: store.MediaVideo, timeout: cfg.VideoTimeout, cap: cfg.VideoConcurrency})
	river.AddWorker(ws, &mediaWorker[jobargs.MusicTask]{j: j, kind: store.MediaAudio, timeout: cfg.MusicTimeout, cap: cfg.MusicConcurrency})
	river.AddWorker(ws, &titleWorker{j: j})
	river.AddWorker(ws, &moderateWorker{j: j})
	river.AddWorker(ws, &deleteFilesWorker{j: j})
	river.AddWorker(ws, &reapWorker{j: j})
	river.AddWorker(ws, &cleanupWorker{j: j})
	river.AddWorker(ws, &sendMailWorker{j: j})
	river.AddWorker(ws, &dailyMailWorker{j: j})
	river.AddWorker(ws, &deleteAccountWorker{j: j})
	river.AddWorker(ws, &deleteBlobPrefixWorker{j: j})
	queues := map[string]river.QueueConfig{
		jobargs.QueueDefault: {MaxWorkers: 20},
		jobargs.QueueMedia:   {MaxWorkers: cfg.MediaWorkers},
	}
	if cfg.NoMediaJobs {
		delete(queues, jobargs.QueueMedia) // inserting into it still works
	}
	rc := &river.Config{
		Queues:  queues,
		Workers: ws,
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(cfg.ReapEvery),
			func() (river.JobArgs, *river.InsertOpts) { return jobargs.ReapSlots{}, nil },
			&river.PeriodicJobOpts{ID: "reap_slots", RunOnStart: true}), dailyMailJob()},
		FetchPollInterval: cfg.PollInterval,
		FetchCooldown:     min(cfg.PollInterval, fetchCooldown),
		// River's own rescue of jobs stuck "running" (their process died)
		// must not fire while a long video attempt still runs; the slot
		// reaper hands such a task on much sooner.
		RescueStuckJobsAfter: max(cfg.VideoTimeout, cfg.MusicTimeout) + 5*time.Minute,
		Logger:               cfg.Log.With("component", "river"),
	}
	var err error
	if pg, db := cfg.Store.WorkerPool(); pg != nil {
		var c *river.Client[pgx.Tx]
		c, err = river.NewClient(riverpgxv5.New(pg), rc)
		j.client, j.ui = c, riverui.NewEndpoints(c, nil)
	} else {
		var c *river.Client[*sql.Tx]
		c, err = river.NewClient(riversqlite.New(db), rc)
		j.client, j.ui = c, riverui.NewEndpoints(c, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return j, nil
}

// Start begins working jobs.
func (j *Jobs) Start(ctx context.Context) error { return j.client.Start(ctx) }

// Stop stops fetching and lets running jobs finish for half of ctx's
// remaining time, then cancels them (a cancelled media job snoozes without
// spending an attempt: its task stays processing and runs again on the
// next start, or on another instance once its slot lease expires). Half,
// so the components stopped after the workers still have time.
func (j *Jobs) Stop(ctx context.Context) error {
	soft := ctx
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		soft, cancel = context.WithDeadline(ctx, time.Now().Add(time.Until(deadline)/2))
		defer cancel()
	}
	err := j.client.Stop(soft)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return j.client.StopAndCancel(ctx)
	}
	return err
}

// jobAlive reports whether job id will still run: waiting (available,
// scheduled, retryable, pending) or running since after stale. A job
// running since before stale belongs to a dead process (a live one takes
// the slot or snoozes within moments); a finished or missing job will not
// run again. When River cannot answer, the job is taken as alive.
func (j *Jobs) jobAlive(ctx context.Context, id int64, stale time.Time) bool {
	if id == 0 {
		return false
	}
	row, err := j.client.JobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return false
	}
	if err != nil {
		return true
	}
	switch row.State {
	case rivertype.JobStateRunning:
		return row.AttemptedAt == nil || row.AttemptedAt.After(stale)
	case rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
		return false
	}
	return true
}

// wake makes a snoozed job available now (the task before it finished).
func (j *Jobs) wake(ctx context.Context, jobID int64) {
	if jobID == 0 {
		return
	}
	if _, err := j.client.JobRetry(ctx, jobID); err != nil && !errors.Is(err, river.ErrNotFound) {
		j.cfg.Log.Debug("wake next task", "job_id", jobID, "err", err)
	}
}
