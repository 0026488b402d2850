package middleware

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type testCtxKey struct{}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	logger, logs := newTestLogger()
	// The auth stand-in derives a new request, as real auth does, and the
	// user id must still reach the outer access log.
	auth := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r = r.WithContext(context.WithValue(r.Context(), testCtxKey{}, "x"))
			SetUserID(r.Context(), "user-42")
			next.ServeHTTP(w, r)
		})
	}
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := UserIDFrom(r.Context()); got != "user-42" {
			t.Errorf("UserIDFrom = %q", got)
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("hello"))
	})
	h := Chain(inner, RequestID, AccessLog(logger), auth)

	req := httptest.NewRequest(http.MethodPost, "/login?password=hunter2&x=1", nil)
	req.Header.Set("X-Request-Id", "req-1")
	h.ServeHTTP(httptest.NewRecorder(), req)

	if strings.Contains(logs.String(), "hunter2") {
		t.Fatalf("query string leaked into log: %s", logs)
	}
	recs := logs.records(t)
	if len(recs) != 1 {
		t.Fatalf("want one line, got %d: %s", len(recs), logs)
	}
	rec := recs[0]
	want := map[string]any{
		"level": "INFO", "method": "POST", "path": "/login", "status": 201.0,
		"bytes": 5.0, "request_id": "req-1", "user_id": "user-42", "remote": "192.0.2.1:1234",
	}
	for k, v := range want {
		if rec[k] != v {
			t.Errorf("%s = %v, want %v", k, rec[k], v)
		}
	}
	if _, ok := rec["duration_ms"].(float64); !ok {
		t.Errorf("duration_ms missing: %v", rec)
	}
}

func TestAccessLogServerErrorAtWarn(t *testing.T) {
	t.Parallel()
	logger, logs := newTestLogger()
	h := AccessLog(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	rec := logs.records(t)[0]
	if rec["level"] != "WARN" || rec["status"] != 503.0 {
		t.Fatalf("got %v", rec)
	}
}

// The route comes from Metrics, the only layer that sees the mux's pattern.
func TestAccessLogRouteFromMux(t *testing.T) {
	t.Parallel()
	logger, logs := newTestLogger()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /thread/{id}", func(http.ResponseWriter, *http.Request) {})
	h := Chain(NewMetrics(nil).Middleware(mux), RequestID, AccessLog(logger))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/thread/7", nil))
	if rec := logs.records(t)[0]; rec["route"] != "GET /thread/{id}" || rec["status"] != 200.0 {
		t.Fatalf("got %v", rec)
	}
}

func TestSetUserIDWithoutHolder(t *testing.T) {
	t.Parallel()
	SetUserID(t.Context(), "u") // must not panic
	if got := UserIDFrom(t.Context()); got != "" {
		t.Fatalf("got %q", got)
	}
}
