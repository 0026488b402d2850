package runs

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func leaseSuite(t *testing.T, open opener) {
	ctx := context.Background()
	const long = time.Minute

	t.Run("lease is exclusive across instances", func(t *testing.T) {
		t.Parallel()
		a, b := open(t, long)
		thread := randomID()
		if err := a.Acquire(ctx, thread, "run-1", long); err != nil {
			t.Fatal(err)
		}
		if err := b.Acquire(ctx, thread, "run-2", long); !errors.Is(err, ErrLeaseHeld) {
			t.Fatalf("second run acquired: %v", err)
		}
		if err := b.Acquire(ctx, thread, "run-1", long); err != nil {
			t.Fatalf("holder re-acquiring: %v", err)
		}
		if id, ok, err := b.Holder(ctx, thread); err != nil || !ok || id != "run-1" {
			t.Fatalf("Holder = %q %v %v", id, ok, err)
		}
		if _, ok, err := a.Holder(ctx, randomID()); ok || err != nil {
			t.Fatalf("free thread: ok %v err %v", ok, err)
		}
	})

	t.Run("racing acquires have one winner", func(t *testing.T) {
		t.Parallel()
		a, b := open(t, long)
		thread := randomID()
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []string
		)
		for i := range 16 {
			l, run := []Leases{a, b}[i%2], "run-"+randomID()
			wg.Go(func() {
				err := l.Acquire(ctx, thread, run, long)
				switch {
				case err == nil:
					mu.Lock()
					winners = append(winners, run)
					mu.Unlock()
				case !errors.Is(err, ErrLeaseHeld):
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("winners %v", winners)
		}
		if id, _, _ := a.Holder(ctx, thread); id != winners[0] {
			t.Fatalf("holder %q, winner %q", id, winners[0])
		}
	})

	t.Run("expired lease of a dead instance can be taken", func(t *testing.T) {
		t.Parallel()
		a, b := open(t, long)
		thread := randomID()
		if err := a.Acquire(ctx, thread, "dead", 100*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if err := b.Acquire(ctx, thread, "next", long); !errors.Is(err, ErrLeaseHeld) {
			t.Fatalf("acquired before expiry: %v", err)
		}
		// a never renews: its instance is gone.
		eventually(t, "the lease to expire", func() bool {
			return b.Acquire(ctx, thread, "next", long) == nil
		})
		if err := a.Renew(ctx, thread, "dead", long); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("dead run renewed: %v", err)
		}
		if err := a.Release(ctx, thread, "dead"); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("dead run released: %v", err)
		}
		if id, ok, _ := a.Holder(ctx, thread); !ok || id != "next" {
			t.Fatalf("holder %q %v", id, ok)
		}
	})

	t.Run("expired lease has no holder", func(t *testing.T) {
		t.Parallel()
		a, b := open(t, long)
		thread := randomID()
		if err := a.Acquire(ctx, thread, "r", 50*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		eventually(t, "no holder", func() bool {
			_, ok, err := b.Holder(ctx, thread)
			return err == nil && !ok
		})
	})

	t.Run("renew and release only by the holder", func(t *testing.T) {
		t.Parallel()
		a, b := open(t, long)
		thread := randomID()
		if err := a.Acquire(ctx, thread, "r1", time.Second); err != nil {
			t.Fatal(err)
		}
		if err := b.Renew(ctx, thread, "r2", long); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("renew by another run: %v", err)
		}
		if err := b.Release(ctx, thread, "r2"); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("release by another run: %v", err)
		}
		if id, _, _ := a.Holder(ctx, thread); id != "r1" {
			t.Fatalf("holder %q after foreign renew/release", id)
		}
		// The lease belongs to the run, not the instance that took it.
		if err := b.Renew(ctx, thread, "r1", long); err != nil {
			t.Fatal(err)
		}
		if err := a.Release(ctx, thread, "r1"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := b.Holder(ctx, thread); ok {
			t.Fatal("held after release")
		}
		for _, err := range []error{a.Release(ctx, thread, "r1"), a.Renew(ctx, thread, "r1", long)} {
			if !errors.Is(err, ErrLeaseLost) {
				t.Fatalf("on a free lease: %v, want ErrLeaseLost", err)
			}
		}
		for _, ttl := range []time.Duration{0, -time.Second, time.Microsecond} {
			if err := a.Acquire(ctx, thread, "r1", ttl); !errors.Is(err, ErrBadTTL) {
				t.Fatalf("ttl %v: %v", ttl, err)
			}
		}
	})
}

func cancelSuite(t *testing.T, open opener) {
	ctx := context.Background()

	t.Run("cancel before subscribe is seen", func(t *testing.T) {
		t.Parallel()
		a, b := open(t, time.Minute)
		run := randomID()
		if err := a.Cancel(ctx, run); err != nil {
			t.Fatal(err)
		}
		ch, err := b.Subscribe(ctx, run)
		if err != nil {
			t.Fatal(err)
		}
		waitClosed(t, ch, "late subscriber")
	})

	t.Run("cancel after subscribe reaches every subscriber of the run only", func(t *testing.T) {
		t.Parallel()
		a, b := open(t, time.Minute)
		run, other := randomID(), randomID()
		ch1, err1 := b.Subscribe(ctx, run)
		ch2, err2 := a.Subscribe(ctx, run)
		chOther, err3 := b.Subscribe(ctx, other)
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatal(err)
		}
		if err := a.Cancel(ctx, other); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, chOther, "other run")
		// Signals are dispatched in order, so run's would have fired by now.
		if isClosed(ch1) || isClosed(ch2) {
			t.Fatal("cancelling another run fired this one")
		}
		if err := a.Cancel(ctx, run); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, ch1, "subscriber on the other instance")
		waitClosed(t, ch2, "subscriber on the same instance")
		if err := a.Cancel(ctx, run); err != nil { // repeated stop requests are fine
			t.Fatal(err)
		}
	})

	t.Run("subscription ends with its context", func(t *testing.T) {
		t.Parallel()
		a, b := open(t, time.Minute)
		run, barrier := randomID(), randomID()
		sctx, stop := context.WithCancel(ctx)
		ch, err := b.Subscribe(sctx, run)
		if err != nil {
			t.Fatal(err)
		}
		stop()
		eventually(t, "unsubscribe", func() bool { return cancelSubscribers(b, run) == 0 })
		probe, err := b.Subscribe(ctx, barrier)
		if err != nil {
			t.Fatal(err)
		}
		if err := errors.Join(a.Cancel(ctx, run), a.Cancel(ctx, barrier)); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, probe, "barrier")
		if isClosed(ch) {
			t.Fatal("ended subscription fired")
		}
		if _, err := b.Subscribe(sctx, run); !errors.Is(err, context.Canceled) {
			t.Fatalf("subscribe with ended context: %v", err)
		}
	})
}
