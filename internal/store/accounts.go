package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/kira-art/kira/internal/jobs/jobargs"
	"github.com/kira-art/kira/internal/mail"
)

// Deletion is a user's scheduled account deletion (API.md §3.9).
type Deletion struct {
	UserID     string
	Reason     string
	ReasonText string
	DeleteAt   time.Time
	ReminderAt time.Time
	CreatedAt  time.Time
}

// deletionEvent is the SendMail event of one deletion request: the request
// time makes a new request after a cancel a new event (its own mails), a
// retried insert of the same request the same one.
func deletionEvent(kind mail.Kind, userID string, createdAt time.Time) string {
	return string(kind) + ":" + userID + ":" + strconv.FormatInt(createdAt.UnixMilli(), 10)
}

// ScheduleDeletion records userID's deletion request and, in the same
// transaction, queues the "scheduled" mail now, the reminder mail at
// delete_at−reminder and the hard delete at delete_at = now+grace, keeping
// the two later jobs' ids on the row so a cancel can withdraw them.
// ErrConflict when a deletion is already scheduled.
func (s *Store) ScheduleDeletion(ctx context.Context, userID, reason, reasonText string, grace, reminder time.Duration) (Deletion, error) {
	// Milliseconds: the request time is also the events' key, and the API
	// shows times with milliseconds.
	created := now().Truncate(time.Millisecond)
	d := Deletion{UserID: userID, Reason: reason, ReasonText: reasonText, CreatedAt: created,
		DeleteAt: created.Add(grace), ReminderAt: created.Add(grace - reminder)}
	err := s.inTx(ctx, func(c conn) error {
		if _, err := c.exec(ctx, `INSERT INTO account_deletions (user_id, reason, reason_text, delete_at, reminder_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, userID, reason, nullString(reasonText), micros(d.DeleteAt), micros(d.ReminderAt),
			micros(created)); err != nil {
			return fmt.Errorf("schedule deletion: %w", mapErr(err))
		}
		date := d.DeleteAt
		mailOf := func(k mail.Kind) jobargs.SendMail {
			return jobargs.SendMail{Mail: string(k), UserID: userID, Event: deletionEvent(k, userID, created), DeletionDate: &date}
		}
		if _, err := enqueue(ctx, c, mailOf(mail.KindDeletionScheduled)); err != nil {
			return err
		}
		remindID, err := enqueueAt(ctx, c, mailOf(mail.KindDeletionReminder), d.ReminderAt)
		if err != nil {
			return err
		}
		deleteID, err := enqueueAt(ctx, c, jobargs.DeleteAccount{UserID: userID}, d.DeleteAt)
		if err != nil {
			return err
		}
		_, err = c.exec(ctx, "UPDATE account_deletions SET delete_job_id = ?, reminder_job_id = ? WHERE user_id = ?",
			deleteID, remindID, userID)
		return mapErr(err)
	})
	return d, err
}

const deletionColumns = "user_id, reason, COALESCE(reason_text, ''), delete_at, reminder_at, created_at"

func scanDeletion(row interface{ Scan(...any) error }) (Deletion, error) {
	var d Deletion
	var del, rem, created int64
	if err := row.Scan(&d.UserID, &d.Reason, &d.ReasonText, &del, &rem, &created); err != nil {
		return Deletion{}, mapErr(err)
	}
	d.DeleteAt, d.ReminderAt, d.CreatedAt = fromMicros(del), fromMicros(rem), fromMicros(created)
	return d, nil
}

// DeletionStatus reads userID's scheduled deletion; ErrNotFound when none.
func (s *Store) DeletionStatus(ctx context.Context, userID string) (Deletion, error) {
	return scanDeletion(s.reader().row(ctx, "SELECT "+deletionColumns+" FROM account_deletions WHERE user_id = ?", userID))
}

// CancelDeletion withdraws userID's scheduled deletion in one transaction:
// the row goes, the reminder and delete jobs are cancelled and the
// "cancelled" mail is queued. ErrNotFound when nothing is scheduled.
func (s *Store) CancelDeletion(ctx context.Context, userID string) error {
	return s.inTx(ctx, func(c conn) error {
		d, jobIDs, err := takeDeletion(ctx, c, userID)
		if err != nil {
			return err
		}
		for _, id := range jobIDs {
			if err := cancelJob(ctx, c, id); err != nil {
				return err
			}
		}
		_, err = enqueue(ctx, c, jobargs.SendMail{Mail: string(mail.KindDeletionCancelled), UserID: userID,
			Event: deletionEvent(mail.KindDeletionCancelled, userID, d.CreatedAt)})
		return err
	})
}

// takeDeletion deletes userID's deletion row and returns it with its
// (non-zero) job ids; ErrNotFound when there is none.
func takeDeletion(ctx context.Context, c conn, userID string) (Deletion, []int64, error) {
	var delJob, remJob *int64
	var d Deletion
	var del, rem, created int64
	err := c.row(ctx, `SELECT user_id, reason, COALESCE(reason_text, ''), delete_at, reminder_at, created_at,
		delete_job_id, reminder_job_id FROM account_deletions WHERE user_id = ?`, userID).
		Scan(&d.UserID, &d.Reason, &d.ReasonText, &del, &rem, &created, &delJob, &remJob)
	if err != nil {
		return Deletion{}, nil, mapErr(err)
	}
	d.DeleteAt, d.ReminderAt, d.CreatedAt = fromMicros(del), fromMicros(rem), fromMicros(created)
	if _, err := c.exec(ctx, "DELETE FROM account_deletions WHERE user_id = ?", userID); err != nil {
		return Deletion{}, nil, mapErr(err)
	}
	var ids []int64
	for _, p := range []*int64{remJob, delJob} {
		if p != nil && *p != 0 {
			ids = append(ids, *p)
		}
	}
	return d, ids, nil
}

// cancelWaitingJob cancels job id unless it is running: the hard delete
// that runs as the DeleteAccount job must not cancel itself (River would
// record the completed delete as cancelled).
func cancelWaitingJob(ctx context.Context, c conn, id int64) error {
	j, err := c.jobs.JobGetTx(ctx, c.tx, id)
	if errors.Is(err, river.ErrNotFound) || errors.Is(err, rivertype.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read job %d: %w", id, err)
	}
	if j.State == rivertype.JobStateRunning {
		return nil
	}
	return cancelJob(ctx, c, id)
}

// RunningThreads lists userID's threads with a running agent run, so a
// hard delete can stop them before their rows go.
func (s *Store) RunningThreads(ctx context.Context, userID string) ([]string, error) {
	return queryStrings(ctx, s.reader(), `SELECT r.thread_id FROM agent_runs r JOIN threads t ON t.id = r.thread_id
		WHERE t.user_id = ? AND r.status = 'running'`, userID)
}
