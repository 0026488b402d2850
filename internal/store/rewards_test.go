package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

func setCreditState(t *testing.T, s *store.Store, id, plan string, credit int, issued *time.Time) {
	t.Helper()
	if err := s.SetCreditStateForTest(context.Background(), id, plan, credit, issued); err != nil {
		t.Fatal(err)
	}
}

func timeAgo(d time.Duration) *time.Time { t := time.Now().Add(-d); return &t }

func TestDailyRewardRules(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, c := range []struct {
			name     string
			plan     string
			credit   int
			issued   *time.Time
			reason   string
			wantNext bool
		}{
			{"eligible", "free", 3, timeAgo(25 * time.Hour), "", true},
			{"eligible at zero, never issued", "free", 0, nil, "", true},
			{"exactly 24h", "free", 14, timeAgo(24*time.Hour + time.Second), "", true},
			{"too soon", "free", 3, timeAgo(23 * time.Hour), store.RewardTooSoon, true},
			{"enough credit", "free", 15, timeAgo(48 * time.Hour), store.RewardEnoughCredit, false},
			{"enough credit and too soon", "free", 30, timeAgo(time.Hour), store.RewardEnoughCredit, true},
			{"paid plan", "pro", 0, timeAgo(48 * time.Hour), store.RewardNotFree, false},
		} {
			u := newUser(t, s)
			setCreditState(t, s, u.ID, c.plan, c.credit, c.issued)
			before := time.Now()
			res, err := s.ClaimDailyReward(ctx, u.ID)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			p, _ := s.GetProfile(ctx, u.ID)
			if c.reason != "" {
				if res.Eligible || res.Reason != c.reason || (res.NextEligibleAt != nil) != c.wantNext || p.Credit != c.credit {
					t.Fatalf("%s: %+v, credit %d", c.name, res, p.Credit)
				}
				if c.wantNext && !res.NextEligibleAt.Equal(c.issued.Add(24*time.Hour).Truncate(time.Microsecond)) {
					t.Fatalf("%s: next %v, want issued+24h", c.name, res.NextEligibleAt)
				}
				continue
			}
			if !res.Eligible || res.Credit != 15 || p.Credit != 15 || res.NextEligibleAt == nil {
				t.Fatalf("%s: %+v, credit %d", c.name, res, p.Credit)
			}
			if p.LastCreditIssuedAt == nil || p.LastCreditIssuedAt.Before(before.Add(-time.Millisecond)) ||
				!res.NextEligibleAt.Equal(p.LastCreditIssuedAt.Add(24*time.Hour)) {
				t.Fatalf("%s: issued %v next %v", c.name, p.LastCreditIssuedAt, res.NextEligibleAt)
			}
			again, err := s.ClaimDailyReward(ctx, u.ID)
			if err != nil || again.Eligible || again.Reason != store.RewardEnoughCredit {
				t.Fatalf("%s: second claim %+v %v", c.name, again, err)
			}
		}
		if _, err := s.ClaimDailyReward(ctx, "00000000-0000-4000-8000-000000000000"); err != store.ErrNotFound {
			t.Fatalf("unknown user: %v", err)
		}
	})
}

// The top-up sets the balance to 15 rather than adding 15, and the ledger
// row records what was actually added, so the balance and the ledger agree.
func TestDailyRewardSetsTo15AndLedgerRecordsTheDifference(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s) // 30 sign-up credits in the ledger
		if _, err := s.ChargeCredits(ctx, store.Charge{UserID: u.ID, Key: "img:a", Amount: 25, Reason: "image"}); err != nil {
			t.Fatal(err)
		}
		setCreditState(t, s, u.ID, "free", 5, timeAgo(30*time.Hour))
		if res, err := s.ClaimDailyReward(ctx, u.ID); err != nil || !res.Eligible {
			t.Fatalf("%+v %v", res, err)
		}
		key := "daily:" + u.ID + ":" + time.Now().UTC().Format(time.DateOnly)
		if d, err := s.LedgerDeltaForTest(ctx, key); err != nil || d != 10 {
			t.Fatalf("ledger %s: delta %d, %v; want 10", key, d, err)
		}
		// Charging the remaining 15 works and 16 would not: the balance is 15, not 20.
		if _, err := s.ChargeCredits(ctx, store.Charge{UserID: u.ID, Key: "img:b", Amount: 16, Reason: "image"}); err != store.ErrInsufficientCredits {
			t.Fatalf("balance above 15: %v", err)
		}
		// Re-claiming with the ledger key of today taken is refused, not doubled.
		setCreditState(t, s, u.ID, "free", 5, timeAgo(30*time.Hour))
		res, err := s.ClaimDailyReward(ctx, u.ID)
		if err != nil || res.Eligible || res.Reason != store.RewardAlreadyClaimed {
			t.Fatalf("same-day second claim: %+v %v", res, err)
		}
		if p, _ := s.GetProfile(ctx, u.ID); p.Credit != 5 {
			t.Fatalf("refused claim changed credit to %d", p.Credit)
		}
	})
}

func TestConcurrentDailyClaimsGrantOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		setCreditState(t, s, u.ID, "free", 2, timeAgo(48*time.Hour))
		var granted, refused atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				res, err := s.ClaimDailyReward(ctx, u.ID)
				switch {
				case err != nil:
					t.Error(err)
				case res.Eligible:
					granted.Add(1)
				default:
					refused.Add(1)
				}
			})
		}
		wg.Wait()
		if granted.Load() != 1 || refused.Load() != 7 {
			t.Fatalf("granted %d, refused %d", granted.Load(), refused.Load())
		}
		if p, _ := s.GetProfile(ctx, u.ID); p.Credit != 15 {
			t.Fatalf("credit %d", p.Credit)
		}
	})
}

func TestReferralInfo(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		alice, bob, carol, dave := newUser(t, s), newUser(t, s), newUser(t, s), newUser(t, s)
		info, err := s.GetReferralInfo(ctx, alice.ID)
		if err != nil || info.Code != alice.ReferralCode || info.Code == "" || info.InvitedCount != 0 || info.EarnedCredits != 0 {
			t.Fatalf("fresh: %+v %v", info, err)
		}
		for _, invited := range []string{bob.ID, carol.ID} {
			if err := s.SetReferredByForTest(ctx, invited, alice.ID); err != nil {
				t.Fatal(err)
			}
		}
		noErr(t, s.SetReferredByForTest(ctx, dave.ID, bob.ID))
		noErr(t, s.AddLedgerForTest(ctx, alice.ID, "referral:"+bob.ID, 20, 0, store.LedgerReasonReferral))
		noErr(t, s.AddLedgerForTest(ctx, alice.ID, "referral:"+carol.ID, 0, 30, store.LedgerReasonReferral))
		noErr(t, s.AddLedgerForTest(ctx, bob.ID, "referral:"+dave.ID, 20, 0, store.LedgerReasonReferral))
		info, err = s.GetReferralInfo(ctx, alice.ID)
		if err != nil || info.InvitedCount != 2 || info.EarnedCredits != 50 {
			t.Fatalf("alice: %+v %v", info, err) // the sign-up bonus is not a referral
		}
		if _, err := s.GetReferralInfo(ctx, "00000000-0000-4000-8000-000000000000"); err != store.ErrNotFound {
			t.Fatalf("unknown user: %v", err)
		}
	})
}

func TestReferralCodeIsAssignedWhenMissing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		noErr(t, s.ClearReferralCodeForTest(ctx, u.ID))
		first, err := s.GetReferralInfo(ctx, u.ID)
		if err != nil || len(first.Code) != 8 {
			t.Fatalf("%+v %v", first, err)
		}
		again, _ := s.GetReferralInfo(ctx, u.ID)
		if again.Code != first.Code {
			t.Fatalf("code changed %s → %s", first.Code, again.Code)
		}
	})
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
