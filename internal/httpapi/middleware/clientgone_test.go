package middleware

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// A handler that fails because its client went away (here: it answers 500
// after its context was cancelled) is logged at debug and counted as 499,
// never as a server error. With the context still live the same 500 stays
// a 500 at warn.
func TestClientGoneIs499(t *testing.T) {
	t.Parallel()
	for _, gone := range []bool{true, false} {
		t.Run(fmt.Sprintf("gone=%v", gone), func(t *testing.T) {
			t.Parallel()
			logger, logs := newTestLogger()
			reg := prometheus.NewRegistry()
			m := NewMetrics(reg)
			mux := http.NewServeMux()
			mux.HandleFunc("GET /feed/", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusInternalServerError)
			})
			h := Chain(m.Middleware(mux), RequestID, AccessLog(logger), Recover(logger))
			ctx, cancel := context.WithCancel(t.Context())
			if gone {
				cancel()
			} else {
				defer cancel()
			}
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(ctx, http.MethodGet, "/feed/", nil))

			wantStatus, wantLevel := 500.0, "WARN"
			if gone {
				wantStatus, wantLevel = 499.0, "DEBUG"
			}
			rec := logs.records(t)[0]
			if rec["status"] != wantStatus || rec["level"] != wantLevel {
				t.Fatalf("logged %v at %v, want %v at %v", rec["status"], rec["level"], wantStatus, wantLevel)
			}
			counts := counterValues(t, reg, "kira_http_requests_total")
			status := fmt.Sprint(wantStatus)
			if v := counts[[3]string{"GET", "GET /feed/", status}]; v != 1 || len(counts) != 1 {
				t.Fatalf("counters %v, want one request with status %s", counts, status)
			}
		})
	}
}

func TestClientGone(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	gone := httptest.NewRequestWithContext(cancelled, http.MethodGet, "/", nil)
	live := httptest.NewRequest(http.MethodGet, "/", nil)
	cases := []struct {
		r    *http.Request
		err  error
		want bool
	}{
		{gone, fmt.Errorf("query: %w", context.Canceled), true},
		{gone, fmt.Errorf("write: %w", syscall.EPIPE), true},
		{gone, fmt.Errorf("write: %w", syscall.ECONNRESET), true},
		{gone, fmt.Errorf("disk full"), false},
		{gone, nil, false},
		{live, fmt.Errorf("query: %w", context.Canceled), false}, // a dependency's cancellation
		{live, fmt.Errorf("read: %w", syscall.ECONNRESET), false},
	}
	for i, c := range cases {
		if got := ClientGone(c.r, c.err); got != c.want {
			t.Errorf("case %d (%v): got %v", i, c.err, got)
		}
	}
}
