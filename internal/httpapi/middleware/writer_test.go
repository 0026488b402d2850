package middleware

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// fullChain wraps h (as the mux) in every middleware that wraps the
// ResponseWriter, so the tests cover the wrappers nested as in production.
func fullChain(t *testing.T, h http.Handler) http.Handler {
	t.Helper()
	logger, _ := newTestLogger()
	m := NewMetrics(prometheus.NewRegistry())
	return Chain(m.Middleware(h), RequestID, AccessLog(logger), Recover(logger),
		CORS(CORSConfig{AllowAnyOrigin: true}), BodyReadTimeout(JSONBodyTimeout, UploadBodyTimeout, "/upload"),
		BodyLimit(1<<20, "/upload"))
}

// An SSE-style handler flushes and then blocks; the client must receive the
// first event while the handler is still running.
func TestFlushThroughWrappers(t *testing.T) {
	t.Parallel()
	for _, useController := range []bool{false, true} {
		t.Run(fmt.Sprintf("controller=%v", useController), func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				_, _ = io.WriteString(w, "data: first\n\n")
				if useController {
					if err := http.NewResponseController(w).Flush(); err != nil {
						t.Errorf("controller flush: %v", err)
					}
				} else {
					f, ok := w.(http.Flusher)
					if !ok {
						t.Error("wrapper is not an http.Flusher")
						return
					}
					f.Flush()
				}
				select {
				case <-release:
				case <-r.Context().Done():
					return
				}
				_, _ = io.WriteString(w, "data: second\n\n")
			})
			srv := httptest.NewServer(fullChain(t, h))
			t.Cleanup(srv.Close)

			resp, err := srv.Client().Get(srv.URL + "/events")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			br := bufio.NewReader(resp.Body)
			// The handler cannot finish before release is closed, so
			// reading this line proves the flush reached the client.
			line, err := br.ReadString('\n')
			if err != nil || line != "data: first\n" {
				t.Fatalf("first line %q, %v", line, err)
			}
			close(release)
			rest, _ := io.ReadAll(br)
			if !strings.Contains(string(rest), "data: second") {
				t.Fatalf("rest %q", rest)
			}
		})
	}
}

// ResponseController must reach the real writer's optional methods.
func TestResponseControllerDeadline(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetWriteDeadline: %v", err)
		}
		if err := rc.EnableFullDuplex(); err != nil {
			t.Errorf("EnableFullDuplex: %v", err)
		}
	})
	srv := httptest.NewServer(fullChain(t, h))
	t.Cleanup(srv.Close)
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// Websocket upgrades hijack the connection through the chain, both via the
// Hijacker interface and via http.ResponseController.
func TestHijackThroughWrappers(t *testing.T) {
	t.Parallel()
	for _, useController := range []bool{false, true} {
		t.Run(fmt.Sprintf("controller=%v", useController), func(t *testing.T) {
			t.Parallel()
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var conn net.Conn
				var rw *bufio.ReadWriter
				var err error
				if useController {
					conn, rw, err = http.NewResponseController(w).Hijack()
				} else {
					hj, ok := w.(http.Hijacker)
					if !ok {
						t.Error("wrapper is not an http.Hijacker")
						return
					}
					conn, rw, err = hj.Hijack()
				}
				if err != nil {
					t.Errorf("hijack: %v", err)
					return
				}
				defer conn.Close()
				_, _ = rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\nhello")
				_ = rw.Flush()
			})
			srv := httptest.NewServer(fullChain(t, h))
			t.Cleanup(srv.Close)

			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_, _ = io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n")
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("status %d", resp.StatusCode)
			}
			// After a 101 the bytes belong to the new protocol, not a body.
			got, _ := io.ReadAll(br)
			if string(got) != "hello" {
				t.Fatalf("after upgrade read %q", got)
			}
		})
	}
}

func TestStatusWriterRecords(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	sw := newStatusWriter(rec)
	_, _ = sw.Write([]byte("abc"))
	n, _ := sw.ReadFrom(strings.NewReader("defg"))
	if sw.status != http.StatusOK || sw.bytes != 7 || n != 4 || rec.Body.String() != "abcdefg" {
		t.Fatalf("status %d bytes %d body %q", sw.status, sw.bytes, rec.Body)
	}
	if sw.Unwrap() != rec {
		t.Fatal("Unwrap lost the writer")
	}
}

// Interim 1xx responses (103 Early Hints) precede the real status and must
// not be recorded as it. A real server is used because ResponseRecorder
// treats any 1xx as final.
func TestStatusWriterInterimResponse(t *testing.T) {
	t.Parallel()
	got := make(chan int, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := newStatusWriter(w)
		sw.WriteHeader(http.StatusEarlyHints)
		if sw.written() {
			t.Error("103 counted as final status")
		}
		sw.WriteHeader(http.StatusCreated)
		got <- sw.status
	}))
	t.Cleanup(srv.Close)
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := <-got; s != http.StatusCreated || resp.StatusCode != http.StatusCreated {
		t.Fatalf("recorded %d, client got %d", s, resp.StatusCode)
	}
}

func TestChainOrder(t *testing.T) {
	t.Parallel()
	var order []string
	mw := func(name string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				order = append(order, name)
				next.ServeHTTP(w, r)
			})
		}
	}
	h := Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { order = append(order, "h") }),
		mw("a"), mw("b"), mw("c"))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if got := strings.Join(order, ","); got != "a,b,c,h" {
		t.Fatalf("order %s", got)
	}
}
