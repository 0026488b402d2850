package middleware

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSentry is a local server speaking Sentry's envelope endpoint
// (POST /api/<project>/envelope/: a header line, then item header and
// payload lines). It keeps the raw bodies and the decoded events.
type fakeSentry struct {
	mu     sync.Mutex
	raw    []string
	events []sentryEvent
}

type sentryEvent struct {
	Level       string              `json:"level"`
	Message     string              `json:"message"`
	Tags        map[string]string   `json:"tags"`
	User        struct{ ID string } `json:"user"`
	Transaction string              `json:"transaction"`
	Request     struct {
		Method      string            `json:"method"`
		URL         string            `json:"url"`
		QueryString string            `json:"query_string"`
		Headers     map[string]string `json:"headers"`
		Data        string            `json:"data"`
	} `json:"request"`
	Exception []struct {
		Value string `json:"value"`
	} `json:"exception"`
}

func (f *fakeSentry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || r.URL.Path != "/api/1/envelope/" {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.raw = append(f.raw, string(body))
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	sc.Scan() // envelope header
	for sc.Scan() {
		var item struct{ Type string }
		if json.Unmarshal(sc.Bytes(), &item) != nil || !sc.Scan() {
			break
		}
		if item.Type == "event" {
			var ev sentryEvent
			if err := json.Unmarshal(sc.Bytes(), &ev); err == nil {
				f.events = append(f.events, ev)
			}
		}
	}
	w.WriteHeader(http.StatusOK)
}

func (f *fakeSentry) byRequestID(id string) []sentryEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []sentryEvent
	for _, ev := range f.events {
		if ev.Tags["request_id"] == id {
			out = append(out, ev)
		}
	}
	return out
}

// TestCaptureErrors runs the chain's layers around a mux with a panicking
// route, a route failing through CaptureError, one answering 503 by itself
// and one answering 400; every request carries credentials, a cookie, a
// body and secret query parameters, none of which may reach Sentry.
func TestCaptureErrors(t *testing.T) {
	t.Parallel()
	fake := &fakeSentry{}
	upstream := httptest.NewServer(fake)
	t.Cleanup(upstream.Close)
	rep, err := NewErrorReporter(ErrorReporterOptions{DSN: "http://public@" + strings.TrimPrefix(upstream.URL, "http://") + "/1"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom/{id}", func(w http.ResponseWriter, r *http.Request) {
		SetUserID(r.Context(), "user-42")
		panic("boom at the handler")
	})
	mux.HandleFunc("POST /fail", func(w http.ResponseWriter, r *http.Request) {
		SetUserID(r.Context(), "user-42")
		_, _ = io.ReadAll(r.Body)
		rep.CaptureError(r, http.StatusInternalServerError, errors.New("database is down"))
		w.WriteHeader(http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /unavailable", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	mux.HandleFunc("POST /bad", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadRequest) })
	logger, _ := newTestLogger()
	srv := httptest.NewServer(Chain(NewMetrics(nil).Middleware(mux), RequestID, AccessLog(logger), Recover(logger), CaptureErrors(rep)))
	t.Cleanup(srv.Close)

	ids := map[string]string{}
	for _, c := range []struct{ method, path string }{{"GET", "/boom/7"}, {"POST", "/fail"}, {"GET", "/unavailable"}, {"POST", "/bad"}} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path+"?password=pw-SECRET-4&token=tk-SECRET-5&page=2", strings.NewReader(`{"body":"body-SECRET-3"}`))
		req.Header.Set("Authorization", "Bearer tok-SECRET-1")
		req.Header.Set("Cookie", "session=cookie-SECRET-2")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		ids[c.path] = res.Header.Get(requestIDHeader)
	}
	if !rep.Flush(5 * time.Second) {
		t.Fatal("flush timed out")
	}

	want := map[string]struct{ route, user, text string }{
		"/boom/7":      {"GET /boom/{id}", "user-42", "panic: boom at the handler"},
		"/fail":        {"POST /fail", "user-42", "database is down"},
		"/unavailable": {"GET /unavailable", "", "HTTP 503 response"},
	}
	for path, w := range want {
		// The capture runs after the response went out, so an event may
		// reach the transport just after the Flush above: poll for it.
		evs := fake.byRequestID(ids[path])
		for deadline := time.Now().Add(5 * time.Second); len(evs) == 0 && time.Now().Before(deadline); evs = fake.byRequestID(ids[path]) {
			rep.Flush(100 * time.Millisecond)
		}
		if len(evs) != 1 {
			t.Fatalf("%s: %d events, want 1", path, len(evs))
		}
		ev := evs[0]
		text := ev.Message
		if len(ev.Exception) > 0 && text == "" {
			text = ev.Exception[0].Value
		}
		if ev.Tags["route"] != w.route || ev.Transaction != w.route || ev.User.ID != w.user || text != w.text {
			t.Errorf("%s: route %q/%q user %q text %q; want %+v", path, ev.Tags["route"], ev.Transaction, ev.User.ID, text, w)
		}
		if ev.Request.QueryString != "page=2&password=%5BFiltered%5D&token=%5BFiltered%5D" || len(ev.Request.Headers) != 0 || ev.Request.Data != "" {
			t.Errorf("%s: request %+v", path, ev.Request)
		}
	}
	if evs := fake.byRequestID(ids["/bad"]); len(evs) != 0 {
		t.Errorf("a 400 was reported: %+v", evs)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	for _, raw := range fake.raw {
		if strings.Contains(raw, "SECRET") {
			t.Errorf("a secret reached Sentry: %s", raw)
		}
	}
}

// TestCaptureErrorsDisabled: with no DSN there is no reporter, the layer is
// the handler itself, and a nil reporter's methods do nothing.
func TestCaptureErrorsDisabled(t *testing.T) {
	t.Parallel()
	rep, err := NewErrorReporter(ErrorReporterOptions{})
	if err != nil || rep != nil {
		t.Fatalf("reporter %v, err %v", rep, err)
	}
	h := http.Handler(&struct{ http.Handler }{http.NotFoundHandler()}) // comparable, unlike a HandlerFunc
	if got := CaptureErrors(rep)(h); got != h {
		t.Error("a disabled reporter wrapped the handler")
	}
	rep.CaptureError(httptest.NewRequest("GET", "/", nil), 500, errors.New("x"))
	if err := rep.Stop(t.Context()); err != nil {
		t.Error(err)
	}
}

func TestScrubQuery(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                           "",
		"page=2":                     "page=2",
		"password=x&limit=3":         "limit=3&password=%5BFiltered%5D",
		"access_token=x&API_KEY=y":   "API_KEY=%5BFiltered%5D&access_token=%5BFiltered%5D",
		"sig=abc&exp=1":              "exp=1&sig=%5BFiltered%5D",
		"bad=%zz&password=leaked-pw": "[Filtered]",
	} {
		if got := scrubQuery(in); got != want {
			t.Errorf("scrubQuery(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzScrubQuery: whatever the query, the scrubbed one parses and every
// secret-looking parameter in it says [Filtered].
func FuzzScrubQuery(f *testing.F) {
	for _, s := range []string{"password=x", "a=1&token=2", "%zz", "Sig=a;b", "key=&key=x", "x=1&x=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out := scrubQuery(raw)
		if out == "[Filtered]" {
			return
		}
		q, err := url.ParseQuery(out)
		if err != nil {
			t.Fatalf("scrubQuery(%q) = %q does not parse: %v", raw, out, err)
		}
		for k, vs := range q {
			if secretParam(k) && (len(vs) != 1 || vs[0] != "[Filtered]") {
				t.Fatalf("scrubQuery(%q) kept %s=%v", raw, k, vs)
			}
		}
	})
}
