package ratelimit

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// TestMemoryEvictsIdleKeys: keys whose bucket has refilled are dropped,
// so memory follows the active keys, not every key ever seen.
func TestMemoryEvictsIdleKeys(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_000_000, 0)
	m := NewMemory()
	m.now = func() time.Time { return now }
	lim := Limit{Rate: 1, Period: time.Second}
	for i := range 5000 {
		m.Allow(context.Background(), "old"+strconv.Itoa(i), lim) //nolint:errcheck
	}
	now = now.Add(2 * time.Second) // every old bucket is full again
	for i := range 5000 {          // the map doubles (8192 keys) on the way: a sweep
		m.Allow(context.Background(), "new"+strconv.Itoa(i), lim) //nolint:errcheck
	}
	if n := m.Len(); n > 5000 {
		t.Fatalf("%d keys held, want only the 5000 active ones", n)
	}
	if ok, _, _ := m.Allow(context.Background(), "new1", lim); ok {
		t.Fatal("an active key lost its state in the sweep")
	}
}
