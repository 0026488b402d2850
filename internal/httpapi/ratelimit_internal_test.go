package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kira-art/kira/internal/ratelimit"
)

type failingLimiter struct{}

func (failingLimiter) Allow(context.Context, string, ratelimit.Limit) (bool, time.Duration, error) {
	return false, 0, errors.New("redis: connection refused")
}

// TestRateLimitFailsOpen: when the limiter fails (Redis down) requests go
// through and the failures are counted.
func TestRateLimitFailsOpen(t *testing.T) {
	t.Parallel()
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil)), limits: newRateLimits(failingLimiter{}, prometheus.NewRegistry())}
	for range 3 {
		w := httptest.NewRecorder()
		if !s.allow(w, httptest.NewRequest("POST", "/agent/streaming", nil), "r", "k", ratelimit.Limit{Rate: 1, Period: time.Hour}) {
			t.Fatalf("refused on a limiter failure: %d", w.Code)
		}
	}
	if n := testutil.ToFloat64(s.limits.errors); n != 3 {
		t.Fatalf("%v failures counted, want 3", n)
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]int{0: 1, time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, time.Hour: 3600} {
		if got := retryAfterSeconds(d); got != want {
			t.Errorf("%v: %d, want %d", d, got, want)
		}
	}
}
