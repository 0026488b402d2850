package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// Background jobs live in the same database as the rows they are about, so
// a row and its job commit together or not at all (River's InsertTx). The
// store keeps an insert-only River client on its own write pool for that:
// riversqlite on SQLite, riverdatabasesql on Postgres (the store's
// transactions are database/sql ones). The workers, in internal/jobs, run a
// full client on WorkerPool: the single writer connection on SQLite, the
// native pgx pool (riverpgxv5, with LISTEN/NOTIFY) on Postgres.

// newInserter builds the insert-only River client of s.
func (s *Store) newInserter() error {
	// FetchCooldown also spaces the NOTIFYs an inserting client sends
	// (one per queue per cooldown): River's 100 ms default would delay a
	// quiet queue's pickup by ~50 ms. internal/jobs fetches with the same.
	cfg := &river.Config{FetchCooldown: 20 * time.Millisecond}
	var err error
	if s.dialect == Postgres {
		s.jobs, err = river.NewClient(riverdatabasesql.New(s.write), cfg)
	} else {
		s.jobs, err = river.NewClient(riversqlite.New(s.write), cfg)
	}
	if err != nil {
		return fmt.Errorf("river inserter: %w", err)
	}
	return nil
}

// enqueue inserts jobs inside c's transaction. It returns the ids River
// gave them, in order.
func enqueue(ctx context.Context, c conn, jobs ...river.JobArgs) ([]int64, error) {
	if c.tx == nil || c.jobs == nil {
		return nil, fmt.Errorf("enqueue outside a transaction")
	}
	ids := make([]int64, 0, len(jobs))
	for _, j := range jobs {
		res, err := c.jobs.InsertTx(ctx, c.tx, j, nil)
		if err != nil {
			return ids, fmt.Errorf("enqueue %s: %w", j.Kind(), err)
		}
		ids = append(ids, res.Job.ID)
	}
	return ids, nil
}

// enqueueAt inserts one job inside c's transaction to run at at (River's
// ScheduledAt; the zero time means now). It returns the job's id; a unique
// job that already exists returns the existing one's.
func enqueueAt(ctx context.Context, c conn, job river.JobArgs, at time.Time) (int64, error) {
	if c.tx == nil || c.jobs == nil {
		return 0, fmt.Errorf("enqueue outside a transaction")
	}
	res, err := c.jobs.InsertTx(ctx, c.tx, job, &river.InsertOpts{ScheduledAt: at})
	if err != nil {
		return 0, fmt.Errorf("enqueue %s: %w", job.Kind(), err)
	}
	return res.Job.ID, nil
}

// cancelJob cancels job id inside c's transaction (a scheduled job never
// runs; a running one is told to stop). An id River no longer has (a
// finished job cleaned away) is not an error.
func cancelJob(ctx context.Context, c conn, id int64) error {
	if c.tx == nil || c.jobs == nil {
		return fmt.Errorf("cancel outside a transaction")
	}
	if _, err := c.jobs.JobCancelTx(ctx, c.tx, id); err != nil && !errors.Is(err, river.ErrNotFound) {
		return fmt.Errorf("cancel job %d: %w", id, err)
	}
	return nil
}

// Enqueue inserts jobs that belong to no row of their own (an operator's
// request, a periodic sweep) in a transaction of their own.
func (s *Store) Enqueue(ctx context.Context, jobs ...river.JobArgs) error {
	return s.inTx(ctx, func(c conn) error {
		_, err := enqueue(ctx, c, jobs...)
		return err
	})
}

// WorkerPool hands internal/jobs what its River client runs on: the native
// pgx pool on Postgres (pg non-nil), else the SQLite writer (db).
func (s *Store) WorkerPool() (pg *pgxpool.Pool, db *sql.DB) {
	if s.dialect == Postgres {
		return s.pg, nil
	}
	return nil, s.write
}

// migrateRiver applies River's own migrations (its job, leader and queue
// tables) after ours, so `kira migrate` and start-up bring both up to date.
func (s *Store) migrateRiver(ctx context.Context) error {
	var err error
	if s.dialect == Postgres {
		mig, e := rivermigrate.New(riverpgxv5.New(s.pg), nil)
		if e != nil {
			return fmt.Errorf("river migrations: %w", e)
		}
		_, err = mig.Migrate(ctx, rivermigrate.DirectionUp, nil)
	} else {
		mig, e := rivermigrate.New(riversqlite.New(s.write), nil)
		if e != nil {
			return fmt.Errorf("river migrations: %w", e)
		}
		_, err = mig.Migrate(ctx, rivermigrate.DirectionUp, nil)
	}
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}
