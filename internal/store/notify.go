package store

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/kira-art/kira/internal/jobs/jobargs"
)

// MailKindDaily is the mail.Kind of the daily reminder (the store does not
// import internal/mail; the names are the same strings).
const MailKindDaily = "daily_reward"

// DailyMailEvent is the unique event of userID's daily reminder on day
// (UTC): one reminder per user per day, whichever of the claim's schedule
// or the sweep inserts it first.
func DailyMailEvent(userID string, day time.Time) string {
	return "daily:" + userID + ":" + day.UTC().Format(time.DateOnly)
}

// dailyMail is the SendMail job of userID's reminder for day.
func dailyMail(userID string, day time.Time) jobargs.SendMail {
	return jobargs.SendMail{Mail: MailKindDaily, UserID: userID, Event: DailyMailEvent(userID, day)}
}

// RewardClaimable applies the daily reward rules to p as of t.
func RewardClaimable(p Profile, t time.Time) bool {
	return refusal(p.Plan, p.Credit, p.LastCreditIssuedAt, t).Reason == ""
}

// dailySweepPage bounds one page of the sweep: its ids are read and their
// jobs inserted in one short transaction, so the writer is never held long.
const dailySweepPage = 500

// QueueDailyMails inserts a daily reminder for day for every opted-in free
// user with an email whose reward is claimable at t, walking profiles by id
// (keyset pages, one transaction each). It returns how many jobs were new:
// an event already queued (an earlier sweep, the claim's schedule) is
// skipped by River's uniqueness.
func (s *Store) QueueDailyMails(ctx context.Context, t time.Time) (int, error) {
	return s.queueDailyMails(ctx, t, dailySweepPage)
}

func (s *Store) queueDailyMails(ctx context.Context, t time.Time, page int) (int, error) {
	queued, after := 0, ""
	for {
		n, last, err := s.queueDailyPage(ctx, t, after, page)
		if err != nil {
			return queued, err
		}
		queued += n
		if last == "" {
			return queued, nil
		}
		after = last
	}
}

// queueDailyPage queues one page after the id after; last is the page's
// final id, empty when the page was not full (the walk is over).
func (s *Store) queueDailyPage(ctx context.Context, t time.Time, after string, page int) (queued int, last string, err error) {
	err = s.inTx(ctx, func(c conn) error {
		queued, last = 0, ""
		rows, err := c.query(ctx, `SELECT id FROM profiles
			WHERE id > ? AND plan = 'free' AND is_open_notification = TRUE AND credit < ?
				AND (last_credit_issued_at IS NULL OR last_credit_issued_at <= ?)
				AND email IS NOT NULL AND email <> ''
			ORDER BY id LIMIT ?`, after, DailyRewardCredit, micros(t.Add(-DailyRewardInterval)), page)
		if err != nil {
			return mapErr(err)
		}
		ids, err := scanStrings(rows)
		if err != nil {
			return err
		}
		for _, id := range ids {
			res, err := c.jobs.InsertTx(ctx, c.tx, dailyMail(id, t), nil)
			if err != nil {
				return fmt.Errorf("enqueue daily mail: %w", err)
			}
			if !res.UniqueSkippedAsDuplicate {
				queued++
			}
		}
		if len(ids) == page {
			last = ids[len(ids)-1]
		}
		return nil
	})
	return queued, last, err
}

// scanStrings reads a one-column result and closes rows.
func scanStrings(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, v)
	}
	return out, mapErr(rows.Err())
}

// DeletionDate is when userID's scheduled deletion is due; ErrNotFound
// when none is scheduled.
func (s *Store) DeletionDate(ctx context.Context, userID string) (time.Time, error) {
	var at int64
	if err := s.reader().row(ctx, "SELECT delete_at FROM account_deletions WHERE user_id = ?", userID).Scan(&at); err != nil {
		return time.Time{}, mapErr(err)
	}
	return fromMicros(at), nil
}

// SetNotification turns the daily mail on or off (the unsubscribe link).
// ErrNotFound for an unknown user.
func (s *Store) SetNotification(ctx context.Context, userID string, on bool) error {
	return s.inTx(ctx, func(c conn) error {
		res, err := c.exec(ctx, "UPDATE profiles SET is_open_notification = ?, updated_at = ? WHERE id = ?", on, micros(now()), userID)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// ListJobs returns up to limit jobs of kind in any state, newest first: what
// an operator (or a test) looks at to see which mails are scheduled.
func (s *Store) ListJobs(ctx context.Context, kind string, limit int) ([]*rivertype.JobRow, error) {
	params := river.NewJobListParams().Kinds(kind).First(limit).OrderBy(river.JobListOrderByID, river.SortOrderDesc).
		States(rivertype.JobStates()...)
	res, err := s.jobs.JobList(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("list %s jobs: %w", kind, err)
	}
	return res.Jobs, nil
}
