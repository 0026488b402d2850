package middleware

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestRequestID(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, RequestIDFrom(r.Context()))
	})))
	t.Cleanup(srv.Close)

	cases := []struct {
		name, in string
		keep     bool
	}{
		{"none", "", false},
		{"sane", "abc-DEF_1.2", true},
		{"max length", strings.Repeat("a", 64), true},
		{"too long", strings.Repeat("a", 65), false},
		{"bad chars", "abc def", false},
		{"log injection", "a\"b", false},
		{"non ascii", "idé", false},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		if c.in != "" {
			req.Header.Set("X-Request-Id", c.in)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got := resp.Header.Get("X-Request-Id")
		if got != string(body) {
			t.Errorf("%s: header %q, context %q", c.name, got, body)
		}
		if c.keep && got != c.in {
			t.Errorf("%s: id %q replaced by %q", c.name, c.in, got)
		}
		if !c.keep {
			if _, err := uuid.Parse(got); err != nil || got == c.in {
				t.Errorf("%s: want a fresh uuid, got %q", c.name, got)
			}
		}
	}
}

func TestRequestIDUnique(t *testing.T) {
	t.Parallel()
	h := RequestID(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	ids := map[string]bool{}
	for range 50 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		ids[rec.Header().Get("X-Request-Id")] = true
	}
	if len(ids) != 50 {
		t.Fatalf("got %d distinct ids from 50 requests", len(ids))
	}
}

func TestRequestIDFromEmpty(t *testing.T) {
	t.Parallel()
	if id := RequestIDFrom(t.Context()); id != "" {
		t.Fatalf("got %q without middleware", id)
	}
}
