package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

func TestChargeCreditsIdempotentAndNeverNegative(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s) // 30 credits
		res, err := s.ChargeCredits(ctx, store.Charge{UserID: u.ID, Key: "generateImage:img1", Amount: 5, Reason: "image"})
		if err != nil || res.FromCredit != 5 || res.AlreadyCharged {
			t.Fatalf("first charge %+v %v", res, err)
		}
		res, err = s.ChargeCredits(ctx, store.Charge{UserID: u.ID, Key: "generateImage:img1", Amount: 5, Reason: "image"})
		if err != nil || !res.AlreadyCharged {
			t.Fatalf("repeat charge %+v %v", res, err)
		}
		if _, err := s.ChargeCredits(ctx, store.Charge{UserID: u.ID, Key: "video:t1", Amount: 60, Reason: "video"}); !errors.Is(err, store.ErrInsufficientCredits) {
			t.Fatalf("overdraft: %v", err)
		}
		p, _ := s.GetProfile(ctx, u.ID)
		if p.Credit != 25 {
			t.Fatalf("credit %d, want 25", p.Credit)
		}
	})
}

func TestConcurrentChargesSpendExactlyTheBalance(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s) // 30 credits = 6 charges of 5
		var ok atomic.Int32
		var wg sync.WaitGroup
		for i := range 12 {
			wg.Go(func() {
				_, err := s.ChargeCredits(ctx, store.Charge{UserID: u.ID, Key: fmt.Sprint("img:", i), Amount: 5, Reason: "image"})
				if err == nil {
					ok.Add(1)
				} else if !errors.Is(err, store.ErrInsufficientCredits) {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		p, _ := s.GetProfile(ctx, u.ID)
		if ok.Load() != 6 || p.Credit != 0 {
			t.Fatalf("%d charges succeeded, credit left %d", ok.Load(), p.Credit)
		}
	})
}

func TestRefundOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		if _, err := s.ChargeCredits(ctx, store.Charge{UserID: u.ID, Key: "music:t1", Amount: 25, Reason: "music"}); err != nil {
			t.Fatal(err)
		}
		for i, want := range []bool{true, false} {
			got, err := s.RefundCredits(ctx, u.ID, "music:t1", "failed")
			if err != nil || got != want {
				t.Fatalf("refund %d: %v %v", i, got, err)
			}
		}
		if got, _ := s.RefundCredits(ctx, u.ID, "never-charged", "x"); got {
			t.Fatal("refunded a charge that never happened")
		}
		p, _ := s.GetProfile(ctx, u.ID)
		if p.Credit != 30 {
			t.Fatalf("credit %d after refund, want 30", p.Credit)
		}
	})
}
