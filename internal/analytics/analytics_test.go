package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// fakePostHog speaks PostHog's batch endpoint: POST /batch/ with
// {"api_key", "batch": [...]}. statuses are answered in turn (then 200).
type fakePostHog struct {
	mu       sync.Mutex
	statuses []int
	attempts int
	batches  []batchBody // the accepted ones
	hang     chan struct{}
}

type batchBody struct {
	APIKey string `json:"api_key"`
	Batch  []struct {
		UUID       string         `json:"uuid"`
		Event      string         `json:"event"`
		DistinctID string         `json:"distinct_id"`
		Properties map[string]any `json:"properties"`
		Timestamp  time.Time      `json:"timestamp"`
	} `json:"batch"`
}

func (f *fakePostHog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/batch/" || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "no such endpoint", http.StatusNotFound)
		return
	}
	if f.hang != nil {
		select {
		case <-f.hang:
		case <-r.Context().Done():
		}
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var b batchBody
	if err := json.Unmarshal(raw, &b); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts++
	if len(f.statuses) > 0 {
		st := f.statuses[0]
		f.statuses = f.statuses[1:]
		if st != http.StatusOK {
			w.WriteHeader(st)
			return
		}
	}
	f.batches = append(f.batches, b)
	_, _ = w.Write([]byte(`{"status":1}`))
}

func (f *fakePostHog) snapshot() (attempts int, batches []batchBody) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts, append([]batchBody(nil), f.batches...)
}

func newTestClient(t *testing.T, f *fakePostHog, cfg Config) *Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg.APIKey, cfg.Host = "phc_test", srv.URL
	if cfg.Backoff == 0 {
		cfg.Backoff = 10 * time.Millisecond
	}
	c := New(cfg)
	c.Start()
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
	return c
}

func stop(t *testing.T, c *Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestBatching: full batches go out as they fill, the rest on Stop, in
// PostHog's shape.
func TestBatching(t *testing.T) {
	t.Parallel()
	f := &fakePostHog{}
	c := newTestClient(t, f, Config{BatchSize: 3, Interval: time.Hour})
	for i := range 7 {
		c.Capture("user-1", ThreadCreated, map[string]any{"n": i})
	}
	waitFor(t, func() bool { _, b := f.snapshot(); return len(b) == 2 })
	stop(t, c)
	_, batches := f.snapshot()
	var sizes []int
	n := 0
	for _, b := range batches {
		sizes = append(sizes, len(b.Batch))
		if b.APIKey != "phc_test" {
			t.Errorf("api_key %q", b.APIKey)
		}
		for _, ev := range b.Batch {
			if ev.Event != ThreadCreated || ev.DistinctID != "user-1" || ev.Properties["n"] != float64(n) || ev.UUID == "" ||
				time.Since(ev.Timestamp) > time.Minute {
				t.Errorf("event %d: %+v", n, ev)
			}
			n++
		}
	}
	if len(sizes) != 3 || sizes[0] != 3 || sizes[1] != 3 || sizes[2] != 1 {
		t.Errorf("batch sizes %v, want [3 3 1]", sizes)
	}
	if got := testutil.ToFloat64(c.counter.WithLabelValues("sent")); got != 7 {
		t.Errorf("sent = %v", got)
	}
}

// TestInterval: a batch that does not fill is sent after Interval.
func TestInterval(t *testing.T) {
	t.Parallel()
	f := &fakePostHog{}
	c := newTestClient(t, f, Config{Interval: 20 * time.Millisecond})
	c.Capture("user-1", FeedPublished, nil)
	waitFor(t, func() bool { _, b := f.snapshot(); return len(b) == 1 })
}

// TestRetry: a 503 and a 429 are retried with the same events (same
// uuids, so PostHog counts them once); a 400 is not.
func TestRetry(t *testing.T) {
	t.Parallel()
	f := &fakePostHog{statuses: []int{http.StatusServiceUnavailable, http.StatusTooManyRequests}}
	c := newTestClient(t, f, Config{Interval: 10 * time.Millisecond})
	c.Capture("user-1", VideoCompleted, map[string]any{"task_id": "t1"})
	waitFor(t, func() bool { _, b := f.snapshot(); return len(b) == 1 })
	attempts, batches := f.snapshot()
	if attempts != 3 || len(batches[0].Batch) != 1 || batches[0].Batch[0].Properties["task_id"] != "t1" {
		t.Errorf("attempts %d, batches %+v", attempts, batches)
	}

	bad := &fakePostHog{statuses: []int{http.StatusBadRequest}}
	c2 := newTestClient(t, bad, Config{Interval: time.Hour})
	c2.Capture("user-1", VideoCompleted, nil)
	stop(t, c2)
	if attempts, _ := bad.snapshot(); attempts != 1 {
		t.Errorf("a 400 was sent %d times", attempts)
	}
	if got := testutil.ToFloat64(c2.counter.WithLabelValues("failed")); got != 1 {
		t.Errorf("failed = %v", got)
	}
}

// TestGiveUp: a batch that keeps failing is dropped after Attempts.
func TestGiveUp(t *testing.T) {
	t.Parallel()
	f := &fakePostHog{statuses: []int{502, 502, 502, 502}}
	c := newTestClient(t, f, Config{Interval: time.Hour, Attempts: 3})
	c.Capture("user-1", MusicCompleted, nil)
	stop(t, c)
	if attempts, batches := f.snapshot(); attempts != 3 || len(batches) != 0 {
		t.Errorf("attempts %d, batches %d", attempts, len(batches))
	}
}

// TestDrop: a full queue drops (and counts) instead of blocking, and so
// does a stopped client.
func TestDrop(t *testing.T) {
	t.Parallel()
	c := New(Config{APIKey: "k", Host: "http://127.0.0.1:1", Queue: 2}) // never started
	for range 5 {
		c.Capture("u", ThreadCreated, nil)
	}
	if got := testutil.ToFloat64(c.counter.WithLabelValues("dropped")); got != 3 {
		t.Errorf("dropped = %v, want 3", got)
	}
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.Capture("u", ThreadCreated, nil)
	if got := testutil.ToFloat64(c.counter.WithLabelValues("dropped")); got != 4 {
		t.Errorf("dropped after stop = %v, want 4", got)
	}
}

// TestStopDeadline: an unreachable PostHog cannot hold Stop past its
// deadline.
func TestStopDeadline(t *testing.T) {
	t.Parallel()
	f := &fakePostHog{hang: make(chan struct{})}
	defer close(f.hang)
	c := newTestClient(t, f, Config{Interval: time.Hour})
	c.Capture("u", ThreadCreated, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := c.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("stop: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("stop took %v", d)
	}
}

func TestOr(t *testing.T) {
	t.Parallel()
	Or(nil).Capture("u", ThreadCreated, nil) // Nop: nothing to observe but no panic
	c := New(Config{APIKey: "k"})
	if Or(c) != Events(c) {
		t.Error("Or replaced a client")
	}
}

// waitFor polls cond until it holds or 5s pass.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
