package uistream

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestSetHeaders(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	SetHeaders(rec)
	want := map[string]string{
		"Content-Type":                  "text/event-stream",
		"Cache-Control":                 "no-cache",
		"Connection":                    "keep-alive",
		"X-Vercel-Ai-Ui-Message-Stream": "v1",
		"X-Accel-Buffering":             "no",
	}
	for k, v := range want {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if rec.Header().Get("Content-Encoding") != "" {
		t.Error("Content-Encoding set")
	}
}

func TestWriteFraming(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	steps := []func() error{
		func() error { return WriteEvent(rec, "1700000000000-0", Start("m1", nil)) },
		func() error { return WriteEvent(rec, "", TextDelta("t", "a\nb")) },
		func() error { return WriteKeepAlive(rec) },
		func() error { return WriteData(rec, "9-1", []byte(`{"type":"finish"}`)) },
		func() error { return WriteDone(rec) },
	}
	for i, s := range steps {
		if err := s(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	want := "id: 1700000000000-0\ndata: {\"type\":\"start\",\"messageId\":\"m1\"}\n\n" +
		"data: {\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"a\\nb\"}\n\n" +
		": keepalive\n\n" +
		"id: 9-1\ndata: {\"type\":\"finish\"}\n\n" +
		"data: [DONE]\n\n"
	if got := rec.Body.String(); got != want {
		t.Fatalf("body:\n%q\nwant:\n%q", got, want)
	}
	if !rec.Flushed {
		t.Fatal("not flushed")
	}
}

func TestWriteRejectsBrokenFraming(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	cases := []error{
		WriteData(rec, "", []byte("{\n}")),
		WriteData(rec, "a\nb", []byte("{}")),
		WriteData(rec, "a\rb", []byte("{}")),
		WriteData(rec, "a\x00", []byte("{}")),
	}
	for i, err := range cases {
		if !errors.Is(err, ErrBadEvent) {
			t.Errorf("case %d: err = %v, want ErrBadEvent", i, err)
		}
	}
	if err := WriteEvent(rec, "", TextStart("")); err == nil {
		t.Error("broken chunk written")
	}
	if rec.Body.Len() != 0 {
		t.Fatalf("wrote %q", rec.Body.String())
	}
}

// TestEventsArriveBeforeHandlerReturns proves each event is flushed: the
// handler blocks until the client has read the first event off the wire.
func TestEventsArriveBeforeHandlerReturns(t *testing.T) {
	t.Parallel()
	read := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetHeaders(w)
		if err := WriteEvent(w, "1-0", Start("m1", nil)); err != nil {
			t.Error(err)
			return
		}
		select {
		case <-read:
		case <-r.Context().Done():
			return
		}
		WriteDone(w) //nolint:errcheck
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	br := bufio.NewReader(resp.Body)
	for _, want := range []string{"id: 1-0\n", "data: {\"type\":\"start\",\"messageId\":\"m1\"}\n", "\n"} {
		line, err := br.ReadString('\n')
		if err != nil || line != want {
			t.Fatalf("line %q (%v), want %q", line, err, want)
		}
	}
	close(read)
	rest, _ := io.ReadAll(br)
	if string(rest) != "data: [DONE]\n\n" {
		t.Fatalf("rest %q", rest)
	}
}
