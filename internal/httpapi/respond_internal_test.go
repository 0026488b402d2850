package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kira-art/kira/internal/httpapi/middleware"
)

// clientGoneLogs collects log lines written from any goroutine.
type clientGoneLogs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *clientGoneLogs) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *clientGoneLogs) levels(t *testing.T) map[string][]map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out[rec["level"].(string)] = append(out[rec["level"].(string)], rec)
	}
	return out
}

// A store call that fails because the client went away (its context was
// cancelled) reaches writeError as a wrapped context.Canceled: no ERROR
// line, the access log says 499 at debug and the metrics count a 499. The
// same error with the client still there is a real 500 with an ERROR line.
func TestWriteErrorClientGone(t *testing.T) {
	t.Parallel()
	for _, gone := range []bool{true, false} {
		t.Run(fmt.Sprintf("gone=%v", gone), func(t *testing.T) {
			t.Parallel()
			logs := &clientGoneLogs{}
			logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			reg := prometheus.NewRegistry()
			s := New(Deps{Logger: logger, Registry: reg})
			metrics := middleware.NewMetrics(reg)
			mux := http.NewServeMux()
			mux.HandleFunc("GET /thread/threads", func(w http.ResponseWriter, r *http.Request) {
				s.writeError(w, r, fmt.Errorf("list threads: %w", context.Canceled))
			})
			h := middleware.Chain(metrics.Middleware(mux), middleware.RequestID, middleware.AccessLog(logger))

			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if gone {
				cancel()
			}
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(ctx, http.MethodGet, "/thread/threads", nil))

			byLevel := logs.levels(t)
			status, access := "500", byLevel["WARN"]
			if gone {
				status, access = "499", byLevel["DEBUG"]
				if errs := byLevel["ERROR"]; len(errs) != 0 {
					t.Fatalf("client going away logged as error: %v", errs)
				}
			} else if len(byLevel["ERROR"]) != 1 {
				t.Fatalf("a real failure must log one error, got %v", byLevel)
			}
			if len(access) != 1 || fmt.Sprint(access[0]["status"]) != status {
				t.Fatalf("access log %v, want status %s", byLevel, status)
			}
			if n := requestsCounted(t, reg, status); n != 1 {
				t.Fatalf("kira_http_requests_total{status=%q} = %v", status, n)
			}
		})
	}
}

// requestsCounted is kira_http_requests_total for one status.
func requestsCounted(t *testing.T, reg *prometheus.Registry, status string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, mf := range mfs {
		if mf.GetName() != "kira_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "status" && l.GetValue() == status {
					n += m.GetCounter().GetValue()
				}
			}
		}
	}
	return n
}
