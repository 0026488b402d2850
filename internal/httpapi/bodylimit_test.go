package httpapi_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// An oversize JSON body (3 MiB; the configured limit is 1 MiB) sent in full
// before the client reads, as Python's urllib does, gets the 413 and not a
// connection reset. Repeated because the reset was a race.
func TestOversizeBodyWriteFirstClient(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(bareHandler(t))
	t.Cleanup(srv.Close)
	body := bytes.Repeat([]byte(" "), 3<<20)
	for i := range 4 {
		status, msg, err := postWriteFirst(srv.Listener.Addr().String(), "/thread/", body)
		if err != nil || status != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "too large") {
			t.Fatalf("attempt %d: status %d %q, err %v", i, status, msg, err)
		}
	}
}

func postWriteFirst(addr, path string, body []byte) (int, string, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, "", err
	}
	defer conn.Close()
	// A small send buffer stands in for a real network: loopback buffers
	// would otherwise swallow the whole body at once.
	_ = conn.(*net.TCPConn).SetWriteBuffer(256 << 10)
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, len(body))
	if _, err := conn.Write(append([]byte(head), body...)); err != nil {
		return 0, "", fmt.Errorf("write: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, "", fmt.Errorf("read: %w", err)
	}
	defer resp.Body.Close()
	msg, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(msg), err
}
