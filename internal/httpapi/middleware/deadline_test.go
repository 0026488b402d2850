package middleware

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const testBodyTimeout = 200 * time.Millisecond

// A client that sends its headers and half its body is cut off once the
// body deadline passes: the handler's read fails with a timeout and the
// connection is closed.
func TestBodyReadTimeoutCutsSlowClient(t *testing.T) {
	t.Parallel()
	readErr := make(chan error, 1)
	h := BodyReadTimeout(testBodyTimeout, time.Hour, "/upload")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		readErr <- err
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "POST /thread HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
	_, _ = io.WriteString(conn, strings.Repeat("x", 500))

	select {
	case err := <-readErr:
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("handler read error %v, want a timeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the half-sent body was never cut off")
	}
	// The server closes the connection; the read returns instead of
	// waiting for our own deadline.
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("connection still open")
	}
}

// Uploads get the longer deadline: the same half-sent body is still being
// waited for after the ordinary deadline has passed.
func TestBodyReadTimeoutSlowPath(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	h := BodyReadTimeout(testBodyTimeout, time.Hour, "/upload")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		got <- fmt.Sprint(len(b), err)
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345")
	select {
	case g := <-got:
		t.Fatalf("upload cut off early: %s", g)
	case <-time.After(5 * testBodyTimeout):
	}
	_, _ = io.WriteString(conn, "67890")
	if g := <-got; g != "10 <nil>" {
		t.Fatalf("read %s", g)
	}
}

// A streaming handler (SSE after a JSON body, as POST /agent/streaming, or
// without a body, as GET /agent/stream/{id}) keeps streaming long after the
// body deadline. Once the body is consumed the server keeps a background
// read on the connection; a deadline still (or newly) set then would time it
// out and cancel the request. So the deadline is lifted at the body's end
// (net/http since Go 1.26 also clears it when that read starts) and never
// set for a request without a body.
func TestBodyReadTimeoutKeepsStreams(t *testing.T) {
	t.Parallel()
	const events = 10
	h := BodyReadTimeout(testBodyTimeout, time.Hour)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost { // a GET stream never touches its body
			if _, err := io.ReadAll(r.Body); err != nil {
				t.Errorf("read body: %v", err)
				return
			}
		}
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		// Stream for longer than the deadline, then a few more events.
		start := time.Now()
		for i := 0; i < events || time.Since(start) < 3*testBodyTimeout; i++ {
			if r.Context().Err() != nil {
				t.Errorf("request context cancelled after %d events: %v", i, context.Cause(r.Context()))
				return
			}
			if _, err := fmt.Fprintf(w, "data: %d\n\n", i); err != nil || rc.Flush() != nil {
				t.Errorf("write event %d failed", i)
				return
			}
			time.Sleep(testBodyTimeout / 4)
		}
		_, _ = io.WriteString(w, "data: end\n\n")
	}))
	srv := httptest.NewServer(fullChain(t, h))
	t.Cleanup(srv.Close)

	for _, c := range []struct {
		name, method string
		body         io.Reader
	}{
		{"json body", http.MethodPost, strings.NewReader(`{"threadId":"t"}`)},
		{"chunked body", http.MethodPost, io.MultiReader(strings.NewReader(`{"threadId":"t"}`))},
		{"no body", http.MethodGet, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(c.method, srv.URL+"/agent/streaming", c.body)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			last := ""
			for sc.Scan() {
				if sc.Text() != "" {
					last = sc.Text()
				}
			}
			if last != "data: end" {
				t.Fatalf("stream ended with %q (%v)", last, sc.Err())
			}
		})
	}
}
