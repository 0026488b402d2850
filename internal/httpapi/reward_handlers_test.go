package httpapi_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/store"
)

// rewardEnv is a server plus a raw connection to its database, to put a
// profile into states no endpoint produces (credit spent, last issue a day
// ago).
type rewardEnv struct{ rawEnv }

func forEachRewardStore(t *testing.T, fn func(t *testing.T, e rewardEnv)) {
	t.Helper()
	forEachRawStore(t, func(t *testing.T, r rawEnv) { fn(t, rewardEnv{r}) })
}

// setCredit sets a profile's plan, credit and last issue time.
func (e rewardEnv) setCredit(u user, plan string, credit int, issued time.Time) {
	e.t.Helper()
	q := "UPDATE profiles SET plan = ?, credit = ?, last_credit_issued_at = ? WHERE id = ?"
	if e.store.Dialect() == store.Postgres {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	if _, err := e.raw.Exec(q, plan, credit, issued.UnixMicro(), u.ID); err != nil {
		e.t.Fatal(err)
	}
}

type rewardBody struct {
	Eligible       bool
	Credit         int
	Message        string
	NextEligibleAt *time.Time
}

func TestDailyRewardConcurrentClaimsGrantOnce(t *testing.T) {
	t.Parallel()
	forEachRewardStore(t, func(t *testing.T, e rewardEnv) {
		u := e.newUser()
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200) // lazy sign-up
		e.setCredit(u, "free", 4, time.Now().Add(-25*time.Hour))
		const n = 6
		bodies := make([]rewardBody, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				// call's t.Fatal must stay on the test goroutine: check status here.
				r := e.do("POST", "/reward/daily", u.Token, nil)
				if r.Status != 200 {
					t.Errorf("status %d: %s", r.Status, r.Body)
					return
				}
				r.json(t, &bodies[i])
			})
		}
		wg.Wait()
		granted := 0
		for _, b := range bodies {
			if b.NextEligibleAt == nil || time.Until(*b.NextEligibleAt) < 23*time.Hour {
				t.Fatalf("nextEligibleAt %v", b.NextEligibleAt)
			}
			if b.Eligible {
				granted++
				if b.Credit != 15 {
					t.Fatalf("granted body %+v", b)
				}
			} else if b.Message == "" {
				t.Fatalf("refusal without message %+v", b)
			}
		}
		if granted != 1 {
			t.Fatalf("%d of %d concurrent claims granted", granted, n)
		}
		var p struct{ Credit int }
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200).json(t, &p)
		if p.Credit != 15 {
			t.Fatalf("credit %d, want 15", p.Credit)
		}
	})
}

func TestDailyRewardRefusals(t *testing.T) {
	t.Parallel()
	forEachRewardStore(t, func(t *testing.T, e rewardEnv) {
		fresh := e.newUser() // 30 sign-up credits, issued now
		var b rewardBody
		expect(t, e.do("POST", "/reward/daily", fresh.Token, nil), 200).json(t, &b)
		if b.Eligible || b.Message == "" || b.NextEligibleAt == nil {
			t.Fatalf("fresh user %+v", b)
		}

		spent := e.newUser()
		expect(t, e.do("GET", "/user/profile", spent.Token, nil), 200)
		issued := time.Now().Add(-2 * time.Hour)
		e.setCredit(spent, "free", 0, issued)
		expect(t, e.do("POST", "/reward/daily", spent.Token, nil), 200).json(t, &b)
		if b.Eligible || !b.NextEligibleAt.Equal(issued.Add(24*time.Hour).Truncate(time.Millisecond)) {
			t.Fatalf("too soon %+v", b)
		}

		pro := e.newUser()
		expect(t, e.do("GET", "/user/profile", pro.Token, nil), 200)
		e.setCredit(pro, "pro", 0, time.Now().Add(-48*time.Hour))
		var raw map[string]any
		expect(t, e.do("POST", "/reward/daily", pro.Token, nil), 200).json(t, &raw)
		if raw["eligible"] != false || raw["message"] == "" || raw["nextEligibleAt"] != nil {
			t.Fatalf("paid plan %v", raw)
		}

		expectError(t, e.do("POST", "/reward/daily", "", nil), 401, "Unauthorized")
	})
}
