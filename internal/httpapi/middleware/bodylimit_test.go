package middleware

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// readResult reports what the inner handler saw when draining the body.
type readResult struct {
	n             int
	err           error
	contentLength int64 // -1 when the body arrived chunked
}

func bodyLimitServer(t *testing.T) (*httptest.Server, <-chan readResult) {
	t.Helper()
	results := make(chan readResult, 1)
	h := BodyLimit(10, "/upload")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		results <- readResult{len(b), err, r.ContentLength}
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, results
}

func TestBodyLimitContentLength(t *testing.T) {
	t.Parallel()
	srv, results := bodyLimitServer(t)
	resp, err := srv.Client().Post(srv.URL+"/thread", "text/plain", strings.NewReader(strings.Repeat("x", 11)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if msg := decodeMessage(t, body); msg != "Request body too large" {
		t.Fatalf("message %q", msg)
	}
	select {
	case r := <-results:
		t.Fatalf("handler must not run, it read %d bytes", r.n)
	default:
	}
}

func TestBodyLimitChunked(t *testing.T) {
	t.Parallel()
	srv, results := bodyLimitServer(t)
	// io.MultiReader hides the length, so the client sends it chunked.
	body := io.MultiReader(strings.NewReader(strings.Repeat("x", 50)))
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/thread", body)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	r := <-results
	if r.contentLength != -1 {
		t.Fatalf("request was not chunked: Content-Length %d", r.contentLength)
	}
	var mbe *http.MaxBytesError
	if !errors.As(r.err, &mbe) || mbe.Limit != 10 {
		t.Fatalf("read err %v, want *http.MaxBytesError with limit 10", r.err)
	}
}

func TestBodyLimitUnderLimit(t *testing.T) {
	t.Parallel()
	srv, results := bodyLimitServer(t)
	resp, err := srv.Client().Post(srv.URL+"/thread", "text/plain", strings.NewReader("0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if r := <-results; r.err != nil || r.n != 10 {
		t.Fatalf("read %d, %v", r.n, r.err)
	}
}

func TestBodyLimitExempt(t *testing.T) {
	t.Parallel()
	srv, results := bodyLimitServer(t)
	for _, chunked := range []bool{false, true} {
		var body io.Reader = strings.NewReader(strings.Repeat("x", 1000))
		if chunked {
			body = io.MultiReader(body)
		}
		resp, err := srv.Client().Post(srv.URL+"/upload", "application/octet-stream", body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if r := <-results; r.err != nil || r.n != 1000 {
			t.Fatalf("chunked=%v: read %d, %v", chunked, r.n, r.err)
		}
	}
	// Exemption is by exact path only.
	resp, err := srv.Client().Post(srv.URL+"/upload/x", "text/plain", strings.NewReader(strings.Repeat("x", 11)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("/upload/x status %d", resp.StatusCode)
	}
}
