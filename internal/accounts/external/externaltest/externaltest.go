// Package externaltest runs local servers that speak the parts of the
// Stripe, PostHog and Supabase Auth APIs that internal/accounts/external
// uses, with their real JSON shapes, statuses and auth headers, so the
// cleaners (and the Stripe SDK under one of them) are tested against the
// wire protocol without a paid upstream.
package externaltest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
)

// fake is what every server shares: a lock over its state, a log of the
// calls, and the failures queued for the next calls.
type fake struct {
	mu    sync.Mutex
	calls []string
	fail  []int
}

// FailNext makes the next len(statuses) calls answer these statuses, in
// order, with the service's error body (a 503 then success plays an
// outage that a retry outlives).
func (f *fake) FailNext(statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = append(f.fail, statuses...)
}

// Calls are the calls so far as "METHOD /path".
func (f *fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// begin logs a call and returns the failure queued for it (0: none).
// It is called with f.mu held.
func (f *fake) begin(r *http.Request) int {
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	if len(f.fail) == 0 {
		return 0
	}
	st := f.fail[0]
	f.fail = f.fail[1:]
	return st
}

// serve starts h on a loopback listener closed at the end of the test.
func serve(t testing.TB, h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client sees a cut body
}
