package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/runs"
	"github.com/kira-art/kira/internal/store/storetest"
)

// slowViewer is a raw TCP client that follows a run's stream with a
// small receive buffer, reading a few bytes only when allowed: the test
// allows 4 bytes for each event the normal viewer gets, so the slow one
// is far behind by construction, whatever the machine's speed.
type slowViewer struct {
	conn  *net.TCPConn
	read  atomic.Int64 // header and body bytes read so far
	allow chan struct{}
	done  chan struct{}
}

func openSlowViewer(t *testing.T, e *env, u user, thread string) *slowViewer {
	t.Helper()
	addr := strings.TrimPrefix(e.srv.URL, "http://")
	raddr, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTCP("tcp", nil, raddr)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadBuffer(1024) //nolint:errcheck // best effort: the kernel rounds it up
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET /agent/stream/%s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nAccept: text/event-stream\r\n\r\n",
		url.PathEscape(thread), addr, u.Token)
	v := &slowViewer{conn: conn, allow: make(chan struct{}, 1024), done: make(chan struct{})}
	go v.trickle()
	return v
}

// trickle reads 4 bytes per allowance until the connection ends.
func (v *slowViewer) trickle() {
	defer close(v.done)
	buf := make([]byte, 4)
	for range v.allow {
		n, err := io.ReadFull(v.conn, buf)
		v.read.Add(int64(n))
		if err != nil {
			return
		}
	}
}

// runGoroutines counts the goroutines serving run runID (the stream
// log's subscriptions carry its id as a profiler label).
func runGoroutines(runID string) int {
	var buf bytes.Buffer
	pprof.Lookup("goroutine").WriteTo(&buf, 1) //nolint:errcheck // a bytes.Buffer does not fail
	n := 0
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.HasPrefix(line, "# labels:") && strings.Contains(line, `"`+runID+`"`) {
			// "N @ …" precedes the labels line of a group of N goroutines;
			// counting groups is enough to tell some from none.
			n++
		}
	}
	return n
}

// TestSlowViewerDoesNotSlowTheRun: while a viewer reads a run's stream a
// few bytes at a time, a second viewer gets the whole run to finish while
// the slow one has read less than a tenth of it; the slow viewer is then
// still served (paused, not dropped), and once it hangs up the server
// lets go of it.
func TestSlowViewerDoesNotSlowTheRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t), slowModel(5*time.Millisecond))
	u := e.newUser()
	thread := e.newThread(u, "hello")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	normal := e.openStream(ctx, "POST", "/agent/streaming", u.Token, streamBody(thread, "m1", "write about owls and draw one"), nil)
	first, err := normal.next()
	if err != nil || first.chunk(t)["type"] != "start" {
		t.Fatalf("first chunk %+v %v", first, err)
	}
	run, err := e.store.ActiveRun(ctx, thread)
	if err != nil {
		t.Fatal(err)
	}
	if runGoroutines(run.ID) == 0 {
		t.Fatal("no goroutine labelled with the running run's id: the count below would prove nothing")
	}
	slow := openSlowViewer(t, e, u, thread)

	counted := &countingReader{r: normal.resp.Body}
	normal.r = bufio.NewReader(counted)
	var types []string
	for {
		ev, err := normal.next()
		if err != nil {
			t.Fatalf("normal viewer: stream broke off after %v: %v", types, err)
		}
		slow.allow <- struct{}{}
		if ev.Data == "[DONE]" {
			break
		}
		types = append(types, ev.chunk(t)["type"].(string))
	}
	normal.resp.Body.Close()
	if types[len(types)-1] != "finish" {
		t.Fatalf("normal viewer ended with %v", types)
	}
	total, slowRead := counted.n.Load(), slow.read.Load()
	t.Logf("normal viewer: %d events, %d bytes after start; slow viewer had read %d bytes", len(types)+1, total, slowRead)
	if slowRead*10 >= total {
		t.Fatalf("the slow viewer read %d of %d bytes before the normal one finished: it was not slow", slowRead, total)
	}

	runID := run.ID
	// A run of the local model is a few KiB: the socket buffers take all
	// of it, so the handler is usually done with the slow viewer already.
	t.Logf("after the run: %d goroutine groups still serve it for the slow viewer", runGoroutines(runID))
	close(slow.allow)
	<-slow.done
	slow.conn.Close()
	waitFor(t, "the server letting go of the slow viewer", func() bool {
		runtime.Gosched()
		return runGoroutines(runID) == 0
	})
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestStreamLogHoldsSlowSubscribers is the memory side of a slow viewer,
// on the stream log itself (internal/runs, which the SSE handler reads):
// subscribers that read nothing never block the producer, cost a bounded
// amount each (not a copy of the log), and, when they read again, get
// every event in order (paused, not dropped).
//
// Not parallel: it measures the heap.
func TestStreamLogHoldsSlowSubscribers(t *testing.T) {
	const events, size, subscribers = 2000, 4 << 10, 50 // an 8 MiB log, 50 stalled viewers
	m := runs.NewMemory(time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	payload := bytes.Repeat([]byte("x"), size)
	event := func(i int) []byte {
		return append(append(fmt.Appendf(nil, `{"n":%d,"p":"`, i), payload...), `"}`...)
	}
	if _, err := m.Append(ctx, "run-1", event(0)); err != nil { // a log exists from its first event
		t.Fatal(err)
	}
	before := heapInUse()
	subs := make([]*runs.Subscription, subscribers)
	for i := range subs {
		s, err := m.Tail(ctx, "run-1", "")
		if err != nil {
			t.Fatal(err)
		}
		subs[i] = s
	}
	for i := 1; i < events; i++ {
		if _, err := m.Append(ctx, "run-1", event(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(ctx, "run-1"); err != nil {
		t.Fatal(err)
	}
	grown := heapInUse() - before
	logBytes := int64(events * size)
	t.Logf("heap grew %d KiB for an %d KiB log and %d stalled subscribers", grown>>10, logBytes>>10, subscribers)
	if grown > 3*logBytes {
		t.Fatalf("heap grew %d bytes: the %d stalled subscribers hold copies of the %d-byte log", grown, subscribers, logBytes)
	}
	for i, s := range subs[:2] {
		n := 0
		for ev := range s.Events() {
			if !bytes.HasPrefix(ev.Data, fmt.Appendf(nil, `{"n":%d,`, n)) {
				t.Fatalf("subscriber %d: event %d is %.20s", i, n, ev.Data)
			}
			n++
		}
		if n != events || s.Err() != nil {
			t.Fatalf("subscriber %d got %d of %d events (%v)", i, n, events, s.Err())
		}
	}
}

func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse)
}
