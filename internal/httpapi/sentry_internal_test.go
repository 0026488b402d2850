package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/httpapi/middleware"
)

// sentryEvents is a local Sentry envelope endpoint that keeps the event
// items it receives.
type sentryEvents struct {
	mu     sync.Mutex
	events []map[string]any
}

func (s *sentryEvents) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events)
}

func (s *sentryEvents) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	lines := strings.Split(string(body), "\n")
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 1; i+1 < len(lines); i += 2 { // after the envelope header: item header, payload
		var item struct{ Type string }
		var ev map[string]any
		if json.Unmarshal([]byte(lines[i]), &item) == nil && item.Type == "event" && json.Unmarshal([]byte(lines[i+1]), &ev) == nil {
			s.events = append(s.events, ev)
		}
	}
}

// TestWriteErrorReportsCause: a 500 from writeError reaches Sentry once,
// as the underlying error with the route and user (the chain's layer does
// not report the status again); a 404 or a 401 sends nothing.
func TestWriteErrorReportsCause(t *testing.T) {
	t.Parallel()
	fake := &sentryEvents{}
	upstream := httptest.NewServer(fake)
	t.Cleanup(upstream.Close)
	rep, err := middleware.NewErrorReporter(middleware.ErrorReporterOptions{DSN: "http://public@" + strings.TrimPrefix(upstream.URL, "http://") + "/1"})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &Server{Deps: Deps{Errors: rep}, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /thing/{id}", func(w http.ResponseWriter, r *http.Request) {
		middleware.SetUserID(r.Context(), "user-7")
		switch r.PathValue("id") {
		case "broken":
			s.writeError(w, r, errors.New("disk on fire"))
		case "missing":
			s.writeError(w, r, apperr.NotFoundf("Not found"))
		default:
			s.writeError(w, r, errUnauthorized)
		}
	})
	srv := httptest.NewServer(middleware.Chain(middleware.NewMetrics(nil).Middleware(mux),
		middleware.RequestID, middleware.AccessLog(log), middleware.Recover(log), middleware.CaptureErrors(rep)))
	t.Cleanup(srv.Close)
	for _, id := range []string{"missing", "anon", "broken"} {
		res, err := http.Get(srv.URL + "/thing/" + id)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	// The SDK sends from its own goroutine; Flush can return before an
	// event it had not yet queued is out, so poll for it with a deadline
	// and flush once more before counting.
	for deadline := time.Now().Add(5 * time.Second); fake.count() == 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if !rep.Flush(5 * time.Second) {
		t.Fatal("flush timed out")
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.events) != 1 {
		t.Fatalf("%d events, want 1: %v", len(fake.events), fake.events)
	}
	ev := fake.events[0]
	raw, _ := json.Marshal(ev)
	tags, _ := ev["tags"].(map[string]any)
	user, _ := ev["user"].(map[string]any)
	if tags["route"] != "GET /thing/{id}" || tags["status"] != "500" || user["id"] != "user-7" || !strings.Contains(string(raw), "disk on fire") {
		t.Errorf("event %s", raw)
	}
}
