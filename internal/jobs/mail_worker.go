package jobs

import (
	"context"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/kira-art/kira/internal/jobs/jobargs"
	"github.com/kira-art/kira/internal/mail"
)

// Mailer sends the transactional mails (internal/notify).
type Mailer interface {
	Send(ctx context.Context, args jobargs.SendMail) error
	DailySweep(ctx context.Context) (queued int, err error)
}

// DailyMailHour is the UTC hour the daily sweep runs: 01:00 UTC is the
// morning in China, Japan and Korea (most of kira's users) and the evening
// before in the Americas. A fixed hour rather than an interval, so a
// restart neither skips a day nor sends twice (the events are per day).
const DailyMailHour = 1

// dailyAt is a river.PeriodicSchedule firing once a day at hour:00 UTC.
type dailyAt struct{ hour int }

// Next is the first hour:00 UTC strictly after t.
func (d dailyAt) Next(t time.Time) time.Time {
	t = t.UTC()
	n := time.Date(t.Year(), t.Month(), t.Day(), d.hour, 0, 0, 0, time.UTC)
	if !n.After(t) {
		n = n.AddDate(0, 0, 1)
	}
	return n
}

// dailyMailJob is the periodic job of the daily sweep.
func dailyMailJob() *river.PeriodicJob {
	return river.NewPeriodicJob(dailyAt{DailyMailHour},
		func() (river.JobArgs, *river.InsertOpts) { return jobargs.DailyMail{}, nil },
		&river.PeriodicJobOpts{ID: "daily_mail", RunOnStart: false})
}

// noMailer logs once that mail jobs complete unsent.
var noMailer sync.Once

func (j *Jobs) mailer() Mailer {
	if j.cfg.Mail == nil {
		noMailer.Do(func() { j.cfg.Log.Warn("mail jobs complete without sending: no mailer configured") })
	}
	return j.cfg.Mail
}

// sendMailWorker sends one mail.
type sendMailWorker struct {
	river.WorkerDefaults[jobargs.SendMail]
	j *Jobs
}

// Timeout: one SMTP exchange (the sender has its own, shorter timeouts).
// Retries use River's backoff: the first after about a second, the
// last (12 attempts) about eleven hours after the first.
func (w *sendMailWorker) Timeout(*river.Job[jobargs.SendMail]) time.Duration { return 2 * time.Minute }

// Work sends the mail. A temporary failure (network, 4xx) retries with
// backoff; a permanent one (5xx, a mail that cannot be built) cancels the
// job, since retrying cannot change the answer.
func (w *sendMailWorker) Work(ctx context.Context, job *river.Job[jobargs.SendMail]) error {
	m := w.j.mailer()
	if m == nil {
		return nil
	}
	err := m.Send(ctx, job.Args)
	if err != nil && !mail.IsTemporary(err) {
		w.j.cfg.Log.Error("mail not sent (permanent failure)", "event", job.Args.Event, "user_id", job.Args.UserID, "err", err)
		return river.JobCancel(err)
	}
	return err
}

// dailyMailWorker runs the daily sweep.
type dailyMailWorker struct {
	river.WorkerDefaults[jobargs.DailyMail]
	j *Jobs
}

// Work queues the day's reminders.
func (w *dailyMailWorker) Work(ctx context.Context, _ *river.Job[jobargs.DailyMail]) error {
	m := w.j.mailer()
	if m == nil {
		return nil
	}
	_, err := m.DailySweep(ctx)
	return err
}
