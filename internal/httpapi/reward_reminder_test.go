package httpapi_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/kira-art/kira/internal/jobs/jobargs"
	"github.com/kira-art/kira/internal/store"
)

// mailJobs are the SendMail jobs of user id with their arguments.
func mailJobs(t *testing.T, st *store.Store, id string) ([]*rivertype.JobRow, []jobargs.SendMail) {
	t.Helper()
	rows, err := st.ListJobs(context.Background(), jobargs.SendMail{}.Kind(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var jobs []*rivertype.JobRow
	var args []jobargs.SendMail
	for _, r := range rows {
		var a jobargs.SendMail
		if err := json.Unmarshal(r.EncodedArgs, &a); err != nil {
			t.Fatal(err)
		}
		if a.UserID == id {
			jobs, args = append(jobs, r), append(args, a)
		}
	}
	return jobs, args
}

// A granted claim schedules the reminder for nextEligibleAt in its own
// transaction; a refusal, or an opted-out user, schedules nothing.
func TestRewardClaimSchedulesTheReminder(t *testing.T) {
	t.Parallel()
	forEachRewardStore(t, func(t *testing.T, e rewardEnv) {
		u := e.newUser()
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200) // lazy sign-up: 30 credits
		var b rewardBody
		expect(t, e.do("POST", "/reward/daily", u.Token, nil), 200).json(t, &b)
		if jobs, _ := mailJobs(t, e.store, u.ID); b.Eligible || len(jobs) != 0 {
			t.Fatalf("refusal %+v scheduled %d mails", b, len(jobs))
		}
		e.setCredit(u, "free", 1, time.Now().Add(-25*time.Hour))
		expect(t, e.do("POST", "/reward/daily", u.Token, nil), 200).json(t, &b)
		jobs, args := mailJobs(t, e.store, u.ID)
		if !b.Eligible || b.NextEligibleAt == nil || len(jobs) != 1 {
			t.Fatalf("grant %+v, %d mails", b, len(jobs))
		}
		next := *b.NextEligibleAt
		if args[0].Mail != "daily_reward" || args[0].Event != store.DailyMailEvent(u.ID, next) ||
			jobs[0].State != rivertype.JobStateScheduled || jobs[0].ScheduledAt.Sub(next).Abs() > time.Millisecond {
			t.Fatalf("job %+v %s at %v, want scheduled at %v", args[0], jobs[0].State, jobs[0].ScheduledAt, next)
		}
		expect(t, e.do("POST", "/reward/daily", u.Token, nil), 200).json(t, &b)
		if jobs, _ := mailJobs(t, e.store, u.ID); b.Eligible || len(jobs) != 1 {
			t.Fatalf("second claim %+v, %d mails", b, len(jobs))
		}

		off := e.newUser()
		expect(t, e.do("GET", "/user/profile", off.Token, nil), 200)
		if err := e.store.SetNotification(context.Background(), off.ID, false); err != nil {
			t.Fatal(err)
		}
		e.setCredit(off, "free", 1, time.Now().Add(-25*time.Hour))
		expect(t, e.do("POST", "/reward/daily", off.Token, nil), 200).json(t, &b)
		if jobs, _ := mailJobs(t, e.store, off.ID); !b.Eligible || len(jobs) != 0 {
			t.Fatalf("opted out: %+v, %d mails", b, len(jobs))
		}
	})
}
