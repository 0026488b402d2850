package middleware

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRecover(t *testing.T) {
	t.Parallel()
	logger, logs := newTestLogger()
	h := Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "999")
		panic("boom at the handler")
	}), RequestID, Recover(logger))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("X-Request-Id", "rid-7")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("content type %q", ct)
	}
	if msg := decodeMessage(t, body); msg != "Internal Server Error" {
		t.Errorf("message %q", msg)
	}
	recs := logs.records(t)
	if len(recs) != 1 {
		t.Fatalf("want one log line, got %s", logs)
	}
	rec := recs[0]
	stack, _ := rec["stack"].(string)
	if rec["level"] != "ERROR" || rec["panic"] != "boom at the handler" || rec["request_id"] != "rid-7" ||
		!strings.Contains(stack, "recover_test.go") {
		t.Fatalf("log line %v", rec)
	}
}

func TestRecoverRepanicsErrAbortHandler(t *testing.T) {
	t.Parallel()
	logger, logs := newTestLogger()
	h := Recover(logger)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	rec := httptest.NewRecorder()
	got := func() (p any) {
		defer func() { p = recover() }()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		return nil
	}()
	if got != http.ErrAbortHandler {
		t.Fatalf("recovered %v, want http.ErrAbortHandler", got)
	}
	if rec.Body.Len() != 0 || logs.String() != "" {
		t.Fatalf("abort must neither answer nor log: body %q, log %q", rec.Body, logs)
	}
}

// Once the header is out a 500 is impossible; the connection must be
// aborted so the client does not take a truncated body for a whole one.
func TestRecoverAfterWriteAborts(t *testing.T) {
	t.Parallel()
	logger, logs := newTestLogger()
	h := Recover(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("partial"))
		panic("late")
	}))
	got := func() (p any) {
		defer func() { p = recover() }()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
		return nil
	}()
	if got != http.ErrAbortHandler {
		t.Fatalf("recovered %v, want http.ErrAbortHandler", got)
	}
	if !strings.Contains(logs.String(), "late") {
		t.Fatalf("panic not logged: %s", logs)
	}
}

// AccessLog sits outside Recover and must record the 500 it sent.
func TestRecoverSeenByAccessLog(t *testing.T) {
	t.Parallel()
	logger, logs := newTestLogger()
	h := Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("x") }),
		AccessLog(logger), Recover(logger))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	var found bool
	for _, rec := range logs.records(t) {
		if rec["msg"] == "http request" {
			found = rec["status"] == 500.0 && rec["level"] == "WARN"
		}
	}
	if !found {
		t.Fatalf("no 500 access log line: %s", logs)
	}
}
