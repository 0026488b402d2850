package middleware

import (
	"bufio"
	"bytes"
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

// jsonishHandler reads the whole body as a JSON route does and answers 413
// when the limit trips.
func jsonishHandler(w http.ResponseWriter, r *http.Request) {
	if _, err := io.ReadAll(r.Body); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeMessage(w, http.StatusRequestEntityTooLarge, "Request body too large")
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// A client that writes its whole oversize body before reading (Python's
// urllib does) must still get the 413 rather than a connection reset from
// the server closing with the rest of the body unread.
func TestOversizeBodyAnswered413ToWriteFirstClient(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(fullChain(t, http.HandlerFunc(jsonishHandler)))
	t.Cleanup(srv.Close)
	body := bytes.Repeat([]byte("x"), 3<<20) // the chain's limit is 1 MiB
	for _, chunked := range []bool{false, true} {
		for i := range 4 {
			t.Run(fmt.Sprintf("chunked=%v/%d", chunked, i), func(t *testing.T) {
				status, err := writeThenRead(srv.Listener.Addr().String(), body, chunked)
				if err != nil || status != http.StatusRequestEntityTooLarge {
					t.Fatalf("status %d, err %v", status, err)
				}
			})
		}
	}
}

// writeThenRead sends a POST with body over a raw connection, all of it,
// and only then reads the response status.
func writeThenRead(addr string, body []byte, chunked bool) (int, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	// A small send buffer stands in for a real network: without it the
	// loopback buffers swallow the whole body and the write never waits
	// for the server to read.
	_ = conn.(*net.TCPConn).SetWriteBuffer(256 << 10)
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	var req bytes.Buffer
	req.WriteString("POST /thread HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
	if chunked {
		req.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		for off := 0; off < len(body); off += 64 << 10 {
			chunk := body[off:min(off+64<<10, len(body))]
			fmt.Fprintf(&req, "%x\r\n%s\r\n", len(chunk), chunk)
		}
		req.WriteString("0\r\n\r\n")
	} else {
		fmt.Fprintf(&req, "Content-Length: %d\r\n\r\n", len(body))
		req.Write(body)
	}
	if _, err := conn.Write(req.Bytes()); err != nil {
		return 0, fmt.Errorf("write: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, fmt.Errorf("read: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, fmt.Errorf("read body: %w", err)
	}
	if resp.StatusCode == http.StatusRequestEntityTooLarge && !strings.Contains(string(b), "too large") {
		return resp.StatusCode, fmt.Errorf("body %q", b)
	}
	return resp.StatusCode, nil
}
