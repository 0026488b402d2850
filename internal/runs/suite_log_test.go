package runs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestBackends runs the one conformance suite against Memory always and
// against Redis when KIRA_TEST_REDIS_URL is set.
func TestBackends(t *testing.T) {
	t.Parallel()
	for _, bc := range backendCases() {
		t.Run(bc.name, func(t *testing.T) {
			t.Parallel()
			logSuite(t, bc.open)
			leaseSuite(t, bc.open)
			cancelSuite(t, bc.open)
		})
	}
}

// checkEvents asserts evs are exactly entries from..from+len(ids)-1 with
// the ids Append returned, in order.
func checkEvents(t testing.TB, evs []Event, ids []string, from int) {
	t.Helper()
	if len(evs) != len(ids) {
		t.Fatalf("got %d events, want %d", len(evs), len(ids))
	}
	for i, ev := range evs {
		if ev.ID != ids[i] || !bytes.Equal(ev.Data, chunkData(from+i)) {
			t.Fatalf("event %d = %s %s, want %s %s", i, ev.ID, ev.Data, ids[i], chunkData(from+i))
		}
	}
}

func logSuite(t *testing.T, open opener) {
	ctx := context.Background()
	const ttl = time.Minute

	t.Run("ids increase and replay after close is complete", func(t *testing.T) {
		t.Parallel()
		a, b := open(t, ttl)
		run := randomID()
		ids := appendN(t, a, run, 0, 50)
		for i := 1; i < len(ids); i++ {
			prev, _ := parseEventID(ids[i-1])
			cur, ok := parseEventID(ids[i])
			if !ok || cur.compare(prev) <= 0 {
				t.Fatalf("id %q after %q", ids[i], ids[i-1])
			}
		}
		if err := a.Close(ctx, run); err != nil {
			t.Fatal(err)
		}
		for range 2 { // replay is repeatable
			sub, err := b.Tail(ctx, run, "")
			if err != nil {
				t.Fatal(err)
			}
			evs, err := collect(t, sub)
			if err != nil {
				t.Fatalf("Err = %v, want nil at the end marker", err)
			}
			checkEvents(t, evs, ids, 0)
		}
	})

	t.Run("snapshot returns what is written so far and whether it ended", func(t *testing.T) {
		t.Parallel()
		a, b := open(t, ttl)
		run := randomID()
		if _, _, err := b.Snapshot(ctx, run); !errors.Is(err, ErrNotFound) {
			t.Fatalf("snapshot of a missing log: %v, want ErrNotFound", err)
		}
		ids := appendN(t, a, run, 0, 7)
		evs, closed, err := b.Snapshot(ctx, run)
		if err != nil || closed {
			t.Fatalf("open log: closed=%v err=%v", closed, err)
		}
		checkEvents(t, evs, ids, 0)
		ids = append(ids, appendN(t, a, run, 7, 3)...)
		if err := a.Close(ctx, run); err != nil {
			t.Fatal(err)
		}
		evs, closed, err = b.Snapshot(ctx, run)
		if err != nil || !closed {
			t.Fatalf("closed log: closed=%v err=%v", closed, err)
		}
		checkEvents(t, evs, ids, 0)
	})

	t.Run("a claim fences the log's previous writer", func(t *testing.T) {
		t.Parallel()
		a, b := open(t, ttl)
		run := randomID()
		if _, err := a.AppendAs(ctx, run, "dead", chunkData(0)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("append before any claim: %v, want ErrNotFound", err)
		}
		if err := a.Claim(ctx, run, "dead"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.AppendAs(ctx, run, "dead", chunkData(0)); err != nil {
			t.Fatal(err)
		}
		if _, err := b.AppendAs(ctx, run, "heir", chunkData(1)); !errors.Is(err, ErrFenced) {
			t.Fatalf("append by a second writer before its claim: %v, want ErrFenced", err)
		}
		if err := b.Claim(ctx, run, "heir"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.AppendAs(ctx, run, "dead", chunkData(1)); !errors.Is(err, ErrFenced) {
			t.Fatalf("append by the old writer after the claim: %v, want ErrFenced", err)
		}
		if _, err := b.AppendAs(ctx, run, "heir", chunkData(1)); err != nil {
			t.Fatalf("append by the claimant: %v", err)
		}
		evs, _, err := b.Snapshot(ctx, run)
		if err != nil || len(evs) != 2 || !bytes.Equal(evs[1].Data, chunkData(1)) {
			t.Fatalf("log after the claim: %d events, %v", len(evs), err)
		}
	})

	t.Run("concurrent tailers each get every event once in order", func(t *testing.T) {
		t.Parallel()
		a, b := open(t, ttl)
		run := randomID()
		const total = 300
		ids := appendN(t, a, run, 0, 1) // the producer writes start first
		var (
			mu   sync.Mutex
			got  = map[int][]Event{}
			errs = map[int]error{}
			wg   sync.WaitGroup
		)
		tail := func(n int, l Log) {
			sub, err := l.Tail(ctx, run, "")
			if err != nil {
				t.Error(err)
				return
			}
			wg.Go(func() {
				evs, err := collect(t, sub)
				mu.Lock()
				got[n], errs[n] = evs, err
				mu.Unlock()
			})
		}
		for i := range 4 {
			tail(i, []Log{a, b}[i%2])
		}
		ids = append(ids, appendN(t, a, run, 1, total/2-1)...)
		tail(4, b) // joins mid-run: replays, then follows
		ids = append(ids, appendN(t, a, run, total/2, total/2)...)
		if err := a.Close(ctx, run); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		for n := range 5 {
			if errs[n] != nil {
				t.Fatalf("tailer %d: %v", n, errs[n])
			}
			checkEvents(t, got[n], ids, 0)
		}
	})

	t.Run("resume after an event id", func(t *testing.T) {
		t.Parallel()
		a, b := open(t, ttl)
		run := randomID()
		ids := appendN(t, a, run, 0, 10)
		live, err := b.Tail(ctx, run, ids[6]) // open log: resume, then live
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, appendN(t, a, run, 10, 2)...)
		if err := a.Close(ctx, run); err != nil {
			t.Fatal(err)
		}
		evs, err := collect(t, live)
		if err != nil {
			t.Fatal(err)
		}
		checkEvents(t, evs, ids[7:], 7)
		for after, from := range map[string]int{ids[3]: 4, ids[11]: 12, "0-0": 0, "1-0": 0, "0-1": 0} {
			sub, err := b.Tail(ctx, run, after)
			if err != nil {
				t.Fatal(err)
			}
			evs, err := collect(t, sub)
			if err != nil {
				t.Fatal(err)
			}
			checkEvents(t, evs, ids[from:], from)
		}
	})

	t.Run("garbage event id is an error", func(t *testing.T) {
		t.Parallel()
		a, _ := open(t, ttl)
		run := randomID()
		appendN(t, a, run, 0, 1)
		for _, after := range []string{"abc", "1", "1-", "-1", "1-2-3", "$", ">", "+", " 1-0", "1-0 ",
			"-1-0", "1--1", "18446744073709551616-0", "1-x", "0x1-0", "１-0"} {
			if sub, err := a.Tail(ctx, run, after); !errors.Is(err, ErrBadEventID) {
				t.Errorf("Tail(after=%q) = %v, %v; want ErrBadEventID", after, sub, err)
			}
		}
		if n := runGoroutines(run); n != 0 {
			t.Fatalf("%d goroutines left behind by rejected tails", n)
		}
	})

	t.Run("unknown run is not found", func(t *testing.T) {
		t.Parallel()
		a, _ := open(t, ttl)
		if _, err := a.Tail(ctx, randomID(), ""); !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})

	t.Run("append after close fails and close is idempotent", func(t *testing.T) {
		t.Parallel()
		a, b := open(t, ttl)
		run := randomID()
		ids := appendN(t, a, run, 0, 3)
		for _, l := range []Log{a, b, a} {
			if err := l.Close(ctx, run); err != nil {
				t.Fatal(err)
			}
		}
		for _, l := range []Log{a, b} {
			if _, err := l.Append(ctx, run, []byte(`{}`)); !errors.Is(err, ErrClosed) {
				t.Fatalf("append after close: %v, want ErrClosed", err)
			}
		}
		sub, err := b.Tail(ctx, run, "")
		if err != nil {
			t.Fatal(err)
		}
		evs, err := collect(t, sub)
		if err != nil {
			t.Fatal(err)
		}
		checkEvents(t, evs, ids, 0)
	})

	t.Run("closing an empty log makes an empty closed log", func(t *testing.T) {
		t.Parallel()
		a, b := open(t, ttl)
		run := randomID()
		if err := a.Close(ctx, run); err != nil {
			t.Fatal(err)
		}
		sub, err := b.Tail(ctx, run, "")
		if err != nil {
			t.Fatal(err)
		}
		if evs, err := collect(t, sub); len(evs) != 0 || err != nil {
			t.Fatalf("got %d events, err %v", len(evs), err)
		}
	})

	t.Run("closed log expires after the ttl", func(t *testing.T) {
		t.Parallel()
		a, b := open(t, 50*time.Millisecond)
		run := randomID()
		appendN(t, a, run, 0, 2)
		if err := a.Close(ctx, run); err != nil {
			t.Fatal(err)
		}
		eventually(t, "log expiry", func() bool {
			actx, cancel := context.WithCancel(ctx)
			defer cancel() // ends the subscription of a try that came too early
			_, err := b.Tail(actx, run, "")
			return errors.Is(err, ErrNotFound)
		})
	})

	t.Run("cancelled tailer stops cleanly", func(t *testing.T) {
		t.Parallel()
		a, b := open(t, ttl)
		run := randomID()
		ids := appendN(t, a, run, 0, eventBuffer*3)
		for _, read := range []int{1, 0} { // 0: never reads, its sender is blocked
			tctx, cancel := context.WithCancel(ctx)
			sub, err := b.Tail(tctx, run, "")
			if err != nil {
				t.Fatal(err)
			}
			for i := range read {
				if ev := <-sub.Events(); ev.ID != ids[i] {
					t.Fatalf("event %d id %s, want %s", i, ev.ID, ids[i])
				}
			}
			if runGoroutines(run) == 0 {
				t.Fatal("no labelled goroutine found: the leak check below would prove nothing")
			}
			cancel()
			if _, err := collect(t, sub); !errors.Is(err, context.Canceled) {
				t.Fatalf("Err = %v, want context.Canceled", err)
			}
		}
		eventually(t, "run goroutines to exit", func() bool { return runGoroutines(run) == 0 })
		// The log is unaffected: a new viewer still gets it all.
		if err := a.Close(ctx, run); err != nil {
			t.Fatal(err)
		}
		sub, err := b.Tail(ctx, run, "")
		if err != nil {
			t.Fatal(err)
		}
		evs, err := collect(t, sub)
		if err != nil {
			t.Fatal(err)
		}
		checkEvents(t, evs, ids, 0)
	})

	t.Run("runs are independent", func(t *testing.T) {
		t.Parallel()
		a, b := open(t, ttl)
		r1, r2 := randomID(), randomID()
		for i := range 3 {
			appendN(t, a, r1, i, 1)
			appendN(t, b, r2, 100+i, 1)
		}
		if err := a.Close(ctx, r1); err != nil {
			t.Fatal(err)
		}
		sub, err := b.Tail(ctx, r1, "")
		if err != nil {
			t.Fatal(err)
		}
		evs, err := collect(t, sub)
		if err != nil || len(evs) != 3 || !bytes.Equal(evs[2].Data, chunkData(2)) {
			t.Fatalf("r1: %d events (%v), err %v", len(evs), fmt.Sprint(evs), err)
		}
		if _, err := a.Append(ctx, r2, []byte("x")); err != nil {
			t.Fatalf("r2 affected by closing r1: %v", err)
		}
	})
}
