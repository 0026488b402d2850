package store

import (
	"context"
	"fmt"
	"time"
)

// Run statuses.
const (
	RunRunning   = "running"
	RunCompleted = "completed"
	RunStopped   = "stopped"
	RunFailed    = "failed"
)

// Run is one assistant turn on a thread (STREAMING.md §2).
type Run struct {
	ID                 string
	ThreadID           string
	UserID             string
	Status             string
	UserMessageID      string
	AssistantMessageID string
	Instance           string
	LeaseUntil         time.Time
	Error              string
	StartedAt          time.Time
	FinishedAt         *time.Time
}

const runColumns = `id, thread_id, user_id, status, COALESCE(user_message_id, ''), COALESCE(assistant_message_id, ''),
	COALESCE(instance, ''), COALESCE(lease_until, 0), COALESCE(error, ''), started_at, finished_at`

func scanRun(row interface{ Scan(...any) error }) (Run, error) {
	var r Run
	var lease, started int64
	var finished *int64
	if err := row.Scan(&r.ID, &r.ThreadID, &r.UserID, &r.Status, &r.UserMessageID, &r.AssistantMessageID,
		&r.Instance, &lease, &r.Error, &started, &finished); err != nil {
		return Run{}, mapErr(err)
	}
	r.LeaseUntil, r.StartedAt, r.FinishedAt = fromMicros(lease), fromMicros(started), optMicros(finished)
	return r, nil
}

// StartRun stores the new user message (when given) and the running run in
// one transaction. The partial unique index on running runs makes a second
// concurrent start on the thread fail with ErrConflict, whatever instance
// tries it.
func (s *Store) StartRun(ctx context.Context, r Run, userMessage *Message) (Run, error) {
	r.Status, r.StartedAt = RunRunning, now()
	err := s.inTx(ctx, func(c conn) error {
		if userMessage != nil {
			if err := upsertMessage(ctx, c, *userMessage); err != nil {
				return err
			}
		}
		_, err := c.exec(ctx, `INSERT INTO agent_runs (id, thread_id, user_id, status, user_message_id,
			assistant_message_id, instance, lease_until, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.ThreadID, r.UserID, r.Status, nullString(r.UserMessageID), nullString(r.AssistantMessageID),
			nullString(r.Instance), micros(r.LeaseUntil), micros(r.StartedAt))
		return mapErr(err)
	})
	return r, err
}

// ActiveRun returns the running run of a thread, or ErrNotFound.
func (s *Store) ActiveRun(ctx context.Context, threadID string) (Run, error) {
	return scanRun(s.reader().row(ctx, "SELECT "+runColumns+" FROM agent_runs WHERE thread_id = ? AND status = 'running'", threadID))
}

// GetRun reads one run.
func (s *Store) GetRun(ctx context.Context, id string) (Run, error) {
	return scanRun(s.reader().row(ctx, "SELECT "+runColumns+" FROM agent_runs WHERE id = ?", id))
}

// RenewRunLease extends a running run's lease (heartbeat). The lease is
// fenced by instance: ErrNotFound when the run has ended or another instance
// has taken it over, which tells a stalled owner to stop writing.
func (s *Store) RenewRunLease(ctx context.Context, id, instance string, until time.Time) error {
	return s.inTx(ctx, func(c conn) error {
		res, err := c.exec(ctx, "UPDATE agent_runs SET lease_until = ? WHERE id = ? AND status = 'running' AND COALESCE(instance, '') = ?",
			micros(until), id, instance)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// RunResult is what a finished run commits at once: the assistant message,
// its version's images, the tasks it queued, and the run's final status.
type RunResult struct {
	RunID string
	// Instance fences the commit: only the instance that holds the run
	// (started it or took it over) may finish it.
	Instance  string
	Status    string
	Error     string
	Assistant *Message
	Images    []VersionImage
	Tasks     []MediaTask
}

// FinishRun commits a run's outputs and status in one transaction. Only a
// run still marked running by res.Instance can finish (another instance may
// have taken it over).
func (s *Store) FinishRun(ctx context.Context, res RunResult) (*Version, error) {
	var versionID string
	err := s.inTx(ctx, func(c conn) error {
		upd, err := c.exec(ctx, `UPDATE agent_runs SET status = ?, error = ?, finished_at = ?
			WHERE id = ? AND status = 'running' AND COALESCE(instance, '') = ?`, res.Status, nullString(res.Error), micros(now()), res.RunID, res.Instance)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := upd.RowsAffected(); n == 0 {
			return fmt.Errorf("finish run %s: %w", res.RunID, ErrNotFound)
		}
		if res.Assistant == nil {
			return nil
		}
		if err := upsertMessage(ctx, c, *res.Assistant); err != nil {
			return err
		}
		if len(res.Images) > 0 || len(res.Tasks) > 0 {
			if versionID, err = saveVersionWithTasks(ctx, c, *res.Assistant, res.Images, res.Tasks); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || versionID == "" {
		return nil, err
	}
	v, err := s.getVersion(ctx, versionID)
	return &v, err
}

func saveVersionWithTasks(ctx context.Context, c conn, m Message, images []VersionImage, tasks []MediaTask) (string, error) {
	var id string
	var err error
	if len(images) > 0 {
		id, err = saveVersion(ctx, c, m.UserID, m.ThreadID, m.ID, images)
	} else {
		id, err = ensureVersion(ctx, c, m.UserID, m.ThreadID, m.ID)
	}
	if err != nil {
		return "", err
	}
	for _, t := range tasks {
		t.VersionID, t.ThreadID, t.MessageID, t.UserID = id, m.ThreadID, m.ID, m.UserID
		ts := now()
		t.CreatedAt, t.UpdatedAt = ts, ts
		if err := insertTask(ctx, c, t); err != nil {
			return "", fmt.Errorf("insert task: %w", err)
		}
	}
	return id, nil
}

// ClaimExpiredRuns takes over the running runs whose lease ran out before
// at (their instance died or stalled): each is moved to instance with a
// lease until `until`, in its own conditional update, so when several
// instances race for a run exactly one gets it. It returns the runs this
// call claimed.
func (s *Store) ClaimExpiredRuns(ctx context.Context, at time.Time, instance string, until time.Time) ([]Run, error) {
	rows, err := s.reader().query(ctx, "SELECT "+runColumns+" FROM agent_runs WHERE status = 'running' AND lease_until < ?", micros(at))
	if err != nil {
		return nil, mapErr(err)
	}
	var expired []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		expired = append(expired, r)
	}
	rows.Close()
	var out []Run
	for _, r := range expired {
		err := s.inTx(ctx, func(c conn) error {
			res, err := c.exec(ctx, `UPDATE agent_runs SET instance = ?, lease_until = ?
				WHERE id = ? AND status = 'running' AND lease_until < ?`, instance, micros(until), r.ID, micros(at))
			if err != nil {
				return mapErr(err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				r.Instance, r.LeaseUntil = instance, until
				out = append(out, r)
			}
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// TruncateAfter deletes a thread's messages created after the anchor
// message and the versions of those messages; their unfinished tasks are
// marked cancelled. It returns what the caller must clean up (running jobs,
// files, refunds). ErrNotFound when the anchor is not in the thread.
func (s *Store) TruncateAfter(ctx context.Context, threadID, anchorID string) (DeletedThread, error) {
	var out DeletedThread
	err := s.inTx(ctx, func(c conn) error {
		var at int64
		if err := c.row(ctx, "SELECT created_at FROM messages WHERE thread_id = ? AND id = ?", threadID, anchorID).Scan(&at); err != nil {
			return mapErr(err)
		}
		later := `SELECT id FROM messages WHERE thread_id = ? AND (created_at > ? OR (created_at = ? AND id > ?))`
		args := []any{threadID, at, at, anchorID}
		var err error
		out.CancelledTaskIDs, err = queryStrings(ctx, c, `SELECT id FROM media_tasks WHERE thread_id = ?
			AND status IN ('pending', 'processing') AND message_id IN (`+later+`)`, append([]any{threadID}, args...)...)
		if err != nil {
			return err
		}
		out.ImageIDs, err = queryStrings(ctx, c, `SELECT vi.image_id FROM version_images vi JOIN versions v ON v.id = vi.version_id
			WHERE v.thread_id = ? AND v.message_id IN (`+later+`)`, append([]any{threadID}, args...)...)
		if err != nil {
			return err
		}
		if _, err := c.exec(ctx, `UPDATE media_tasks SET status = 'cancelled', updated_at = ? WHERE thread_id = ?
			AND status IN ('pending', 'processing') AND message_id IN (`+later+`)`, append([]any{micros(now()), threadID}, args...)...); err != nil {
			return mapErr(err)
		}
		if _, err := c.exec(ctx, `DELETE FROM versions WHERE thread_id = ? AND message_id IN (`+later+`)`, append([]any{threadID}, args...)...); err != nil {
			return mapErr(err)
		}
		if _, err = c.exec(ctx, `DELETE FROM messages WHERE thread_id = ? AND (created_at > ? OR (created_at = ? AND id > ?))`, args...); err != nil {
			return mapErr(err)
		}
		return enqueueCleanup(ctx, c, out)
	})
	return out, err
}
