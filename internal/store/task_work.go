package store

import (
	"context"
	"fmt"
	"time"

	"github.com/kira-art/kira/internal/jobs/jobargs"
)

// Task statuses (API.md §3.8).
const (
	TaskPending             = "pending"
	TaskProcessing          = "processing"
	TaskCompleted           = "completed"
	TaskFailed              = "failed"
	TaskCancelled           = "cancelled"
	TaskInsufficientCredits = "insufficient_credits"
	TaskInsufficientPlan    = "insufficient_plan"
)

// TaskTerminal reports whether a task in status st will never run again
// by itself (insufficient_* wait for a resubmit).
func TaskTerminal(st string) bool {
	return st != TaskPending && st != TaskProcessing
}

// GetTask reads a task by id, whoever owns it (workers).
func (s *Store) GetTask(ctx context.Context, id string) (MediaTask, error) {
	return scanTask(s.reader().row(ctx, "SELECT "+taskColumns+" FROM media_tasks WHERE id = ?", id))
}

// UserTask reads userID's task of kind; another user's task is ErrNotFound.
func (s *Store) UserTask(ctx context.Context, userID, kind, id string) (MediaTask, error) {
	return scanTask(s.reader().row(ctx, "SELECT "+taskColumns+" FROM media_tasks WHERE id = ? AND user_id = ? AND kind = ?",
		id, userID, kind))
}

// UserTasks reads userID's tasks of kind among ids, in the order of ids;
// ids that are not theirs are left out.
func (s *Store) UserTasks(ctx context.Context, userID, kind string, ids []string) ([]MediaTask, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := append([]any{userID, kind}, anySlice(ids)...)
	rows, err := s.reader().query(ctx, "SELECT "+taskColumns+" FROM media_tasks WHERE user_id = ? AND kind = ? AND id IN ("+
		placeholders(len(ids))+")", args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	byID := map[string]MediaTask{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, err
		}
		byID[t.ID] = t
	}
	out := make([]MediaTask, 0, len(byID))
	for _, id := range ids {
		if t, ok := byID[id]; ok {
			out = append(out, t)
			delete(byID, id) // a repeated id is answered once
		}
	}
	return out, rows.Err()
}

// HeadTask is the id of userID's oldest unfinished task of kind: the only
// one allowed to run, so a user's tasks run in creation order.
func (s *Store) HeadTask(ctx context.Context, userID, kind string) (string, error) {
	var id string
	err := s.reader().row(ctx, `SELECT id FROM media_tasks WHERE user_id = ? AND kind = ? AND status IN ('pending', 'processing')
		ORDER BY created_at, id LIMIT 1`, userID, kind).Scan(&id)
	return id, mapErr(err)
}

// NextTaskJob is the River job id of the task that runs after taskID
// (userID's next unfinished task of kind), so a finishing worker can wake
// it instead of letting it sleep out its snooze. 0 when there is none.
func (s *Store) NextTaskJob(ctx context.Context, userID, kind, taskID string) (int64, error) {
	var job int64
	err := s.reader().row(ctx, `SELECT COALESCE(job_id, 0) FROM media_tasks WHERE user_id = ? AND kind = ?
		AND status = 'pending' AND id <> ? ORDER BY created_at, id LIMIT 1`, userID, kind, taskID).Scan(&job)
	if err = mapErr(err); err == ErrNotFound {
		return 0, nil
	}
	return job, err
}

// StartTask moves a task from pending to processing and stamps started_at.
// A task already processing (its job retried) is started again as is. It
// returns the task as it is now; a task that is neither is returned
// unchanged with started false.
func (s *Store) StartTask(ctx context.Context, id string) (t MediaTask, started bool, err error) {
	err = s.inTx(ctx, func(c conn) error {
		ts := micros(now())
		res, err := c.exec(ctx, `UPDATE media_tasks SET status = 'processing', updated_at = ?, started_at = COALESCE(started_at, ?)
			WHERE id = ? AND status IN ('pending', 'processing')`, ts, ts, id)
		if err != nil {
			return mapErr(err)
		}
		k, _ := res.RowsAffected()
		started = k == 1
		t, err = scanTask(c.row(ctx, "SELECT "+taskColumns+" FROM media_tasks WHERE id = ?", id))
		return err
	})
	return t, started, err
}

// AnnounceTask marks a pending task's status as pushed; true for the one
// caller that marked it, which then pushes it.
func (s *Store) AnnounceTask(ctx context.Context, id string) (bool, error) {
	res, err := s.write.ExecContext(ctx, rebind(s.dialect, `UPDATE media_tasks SET announced = TRUE
		WHERE id = ? AND status = 'pending' AND NOT announced`), id)
	if err != nil {
		return false, mapErr(err)
	}
	k, _ := res.RowsAffected()
	return k == 1, nil
}

// TaskStatus reads a task's status (the worker's cancellation check).
func (s *Store) TaskStatus(ctx context.Context, id string) (string, error) {
	var st string
	err := s.reader().row(ctx, "SELECT status FROM media_tasks WHERE id = ?", id).Scan(&st)
	return st, mapErr(err)
}

// TaskResult is what a finished generation leaves on its task.
type TaskResult struct {
	Result, Thumb File // files rows to create with the task's completion
	Width, Height int
	Duration      time.Duration
	Blurhash      string
}

// CompleteTask records a finished generation: the result and thumbnail
// file rows and the task's completion, in one transaction, only while the
// task is still processing. ErrNotFound when it is not (cancelled while
// the provider worked): the caller then deletes the blobs it wrote.
func (s *Store) CompleteTask(ctx context.Context, id string, r TaskResult) (MediaTask, error) {
	var t MediaTask
	err := s.inTx(ctx, func(c conn) error {
		for _, f := range []File{r.Result, r.Thumb} {
			if f.ID != "" {
				if err := insertFile(ctx, c, f); err != nil {
					return err
				}
			}
		}
		ts := micros(now())
		res, err := c.exec(ctx, `UPDATE media_tasks SET status = 'completed', result_file_id = ?, thumb_file_id = ?,
			width = ?, height = ?, duration_ms = ?, blurhash = ?, error_message = NULL, updated_at = ?, finished_at = ?
			WHERE id = ? AND status = 'processing'`, nullString(r.Result.ID), nullString(r.Thumb.ID), r.Width, r.Height,
			r.Duration.Milliseconds(), nullString(r.Blurhash), ts, ts, id)
		if err != nil {
			return mapErr(err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return fmt.Errorf("complete task %s: %w", id, ErrNotFound)
		}
		t, err = scanTask(c.row(ctx, "SELECT "+taskColumns+" FROM media_tasks WHERE id = ?", id))
		return err
	})
	return t, err
}

// EndTask moves an unfinished task to a final or waiting status (failed,
// insufficient_credits, insufficient_plan) with an optional error message.
// ErrNotFound when the task had already ended (cancelled, say).
func (s *Store) EndTask(ctx context.Context, id, status, message string) (MediaTask, error) {
	var t MediaTask
	err := s.inTx(ctx, func(c conn) error {
		ts := micros(now())
		res, err := c.exec(ctx, `UPDATE media_tasks SET status = ?, error_message = ?, updated_at = ?, finished_at = ?
			WHERE id = ? AND status IN ('pending', 'processing')`, status, nullString(message), ts, ts, id)
		if err != nil {
			return mapErr(err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return fmt.Errorf("end task %s: %w", id, ErrNotFound)
		}
		t, err = scanTask(c.row(ctx, "SELECT "+taskColumns+" FROM media_tasks WHERE id = ?", id))
		return err
	})
	return t, err
}

// ErrInvalidStatus means a task is not in a status the operation accepts.
var ErrInvalidStatus = fmt.Errorf("invalid task status")

// ResubmitTask puts userID's task that waits in insufficient_credits or
// insufficient_plan back to pending with a new job, in one transaction.
// ErrNotFound for another user's task, ErrInvalidStatus for other statuses.
func (s *Store) ResubmitTask(ctx context.Context, userID, kind, id string) (MediaTask, error) {
	var t MediaTask
	err := s.inTx(ctx, func(c conn) error {
		var err error
		if t, err = scanTask(c.row(ctx, "SELECT "+taskColumns+" FROM media_tasks WHERE id = ? AND user_id = ? AND kind = ?",
			id, userID, kind)); err != nil {
			return err
		}
		if t.Status != TaskInsufficientCredits && t.Status != TaskInsufficientPlan {
			return ErrInvalidStatus
		}
		jobs, err := enqueue(ctx, c, jobargs.ForTask(t.Kind, t.ID))
		if err != nil {
			return err
		}
		ts := now()
		// announced = FALSE: the worker pushes its pending status again.
		if _, err := c.exec(ctx, `UPDATE media_tasks SET status = 'pending', error_message = NULL, job_id = ?, updated_at = ?,
			finished_at = NULL, announced = FALSE WHERE id = ?`, jobs[0], micros(ts), id); err != nil {
			return mapErr(err)
		}
		t.Status, t.ErrorMessage, t.UpdatedAt = TaskPending, "", ts
		return nil
	})
	return t, err
}

// RequeueTask gives an unfinished task a fresh job (its worker died and the
// reaper found its slot expired). Duplicate jobs are harmless: the slot
// lets one run and the rest find the task done.
func (s *Store) RequeueTask(ctx context.Context, id string) error {
	return s.inTx(ctx, func(c conn) error {
		t, err := scanTask(c.row(ctx, "SELECT "+taskColumns+" FROM media_tasks WHERE id = ?", id))
		if err != nil || TaskTerminal(t.Status) {
			return err
		}
		jobs, err := enqueue(ctx, c, jobargs.ForTask(t.Kind, t.ID))
		if err != nil {
			return err
		}
		_, err = c.exec(ctx, "UPDATE media_tasks SET job_id = ?, updated_at = ? WHERE id = ?", jobs[0], micros(now()), id)
		return mapErr(err)
	})
}

// OrphanCandidate is a user's next task that holds no slot and has not
// changed for a while, with the River job the task last got.
type OrphanCandidate struct {
	TaskID string
	JobID  int64
}

// OrphanHeadTasks lists pending tasks that are their user's next of their
// kind, hold no slot, and have not changed since before. Most are just
// waiting for a free worker; internal/jobs hands on only those whose job
// is no longer alive (running in a process that died before it took the
// slot, which River would rescue only after its stuck-job timeout, or
// gone). RequeueTask stamps updated_at, so a task is looked at again only
// a period later.
func (s *Store) OrphanHeadTasks(ctx context.Context, before time.Time) ([]OrphanCandidate, error) {
	rows, err := s.reader().query(ctx, `SELECT t.id, COALESCE(t.job_id, 0) FROM media_tasks t
		WHERE t.status = 'pending' AND t.updated_at < ?
		AND NOT EXISTS (SELECT 1 FROM media_tasks o WHERE o.user_id = t.user_id AND o.kind = t.kind
			AND o.status IN ('pending', 'processing') AND (o.created_at < t.created_at OR (o.created_at = t.created_at AND o.id < t.id)))
		AND NOT EXISTS (SELECT 1 FROM work_slots w WHERE w.scope = 'user:' || t.user_id || ':' || t.kind)
		ORDER BY t.updated_at LIMIT 100`, micros(before))
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []OrphanCandidate
	for rows.Next() {
		var c OrphanCandidate
		if err := rows.Scan(&c.TaskID, &c.JobID); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SlotScope names the one-per-user slot of a task's owner and kind.
func SlotScope(t MediaTask) string {
	return "user:" + t.UserID + ":" + t.Kind
}
