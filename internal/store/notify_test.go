package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/jobs/jobargs"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// The sweep walks every page, queues each eligible user once, and a second
// walk the same day queues nothing.
func TestQueueDailyMailsWalksEveryPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		want := map[string]bool{}
		for i := range 7 {
			u := newUser(t, s)
			credit := 3
			if i == 3 {
				credit = 15 // not claimable
			}
			setCreditState(t, s, u.ID, "free", credit, timeAgo(25*time.Hour))
			if i == 5 {
				if err := s.SetNotification(ctx, u.ID, false); err != nil {
					t.Fatal(err)
				}
			}
			if i != 3 && i != 5 {
				want[u.ID] = true
			}
		}
		n, err := s.QueueDailyMailsPagedForTest(ctx, time.Now(), 2)
		if err != nil || n != len(want) {
			t.Fatalf("queued %d, %v; want %d", n, err, len(want))
		}
		jobs, err := s.ListJobs(ctx, jobargs.SendMail{}.Kind(), 100)
		if err != nil || len(jobs) != len(want) {
			t.Fatalf("%d jobs, %v", len(jobs), err)
		}
		for _, j := range jobs {
			var a jobargs.SendMail
			if err := json.Unmarshal(j.EncodedArgs, &a); err != nil || !want[a.UserID] || a.Event != store.DailyMailEvent(a.UserID, time.Now()) {
				t.Fatalf("job %s: %+v", j.EncodedArgs, err)
			}
		}
		if n, err := s.QueueDailyMailsPagedForTest(ctx, time.Now(), 2); err != nil || n != 0 {
			t.Fatalf("second walk queued %d, %v", n, err)
		}
	})
}

func TestDeletionDateAndSetNotification(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		if _, err := s.DeletionDate(ctx, u.ID); err != store.ErrNotFound {
			t.Fatalf("no deletion: %v", err)
		}
		if err := s.SetNotification(ctx, "7f1c3b9e-1d2a-4c5b-8e6f-0a1b2c3d4e5f", false); err != store.ErrNotFound {
			t.Fatalf("unknown user: %v", err)
		}
	})
}
