package llm_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kira-art/kira/internal/llm"
)

var hi = llm.Request{Messages: []llm.Message{llm.UserMessage(llm.Text("hi"))}}

func TestOpenAIHTTPErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		status     int
		body       string
		attempts   int // the SDK retries 429 and 5xx twice
		wantType   string
		wantCode   string
		wantMsg    string
		temporary  bool
		retryAfter bool
	}{
		{"server error", 500, `{"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}`,
			3, "server_error", "", "The server had an error", true, true},
		{"rate limited", 429, `{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}`,
			3, "requests", "rate_limit_exceeded", "Rate limit reached for requests", true, true},
		{"bad request", 400, `{"error":{"message":"Unknown model","type":"invalid_request_error","param":"model","code":"model_not_found"}}`,
			1, "invalid_request_error", "model_not_found", "Unknown model", false, false},
		{"string error (Ollama)", 404, `{"error":"model \"llama9\" not found, try pulling it first"}`,
			1, "", "", `model "llama9" not found, try pulling it first`, false, false},
		{"proxy page", 502, `<html>Bad Gateway</html>`,
			3, "", "", "Bad Gateway", true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				// Retry at once instead of the SDK's backoff, keeping
				// the test fast while still exercising retries.
				w.Header().Set("Retry-After-Ms", "0")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			_, err := f.model(t).Stream(context.Background(), hi)
			var apiErr *llm.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v (%T), want *APIError", err, err)
			}
			if apiErr.StatusCode != tc.status || apiErr.Type != tc.wantType || apiErr.Code != tc.wantCode ||
				apiErr.Message != tc.wantMsg || apiErr.Temporary() != tc.temporary {
				t.Errorf("got %+v temporary=%v", apiErr, apiErr.Temporary())
			}
			if n := len(f.requests()); n != tc.attempts {
				t.Errorf("%d attempts, want %d", n, tc.attempts)
			}
			if !strings.Contains(err.Error(), fmt.Sprint(tc.status)) {
				t.Errorf("message %q lacks the status", err)
			}
		})
	}
}

func TestOpenAIErrorEventInStream(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeSSE(w, false,
			chunk(`{"content":"Hel"}`, ""),
			`{"error":{"message":"Model overloaded","type":"server_error","code":"overloaded"}}`)
	})
	evs, err := streamAll(t, f.model(t), hi)
	var apiErr *llm.APIError
	if !errors.As(err, &apiErr) || apiErr.Message != "Model overloaded" || apiErr.Code != "overloaded" || apiErr.StatusCode != 0 {
		t.Fatalf("err = %#v", err)
	}
	if len(evs) != 1 || evs[0] != (llm.TextDelta{Text: "Hel"}) {
		t.Errorf("events before the error: %#v", evs)
	}
}

// TestOpenAIStreamCutOff: a stream without its [DONE] marker is an error,
// whether the server ends the response early or the connection dies.
func TestOpenAIStreamCutOff(t *testing.T) {
	t.Parallel()
	partial := []string{chunk(`{"content":"Once upon"}`, ""), chunk(toolDelta(0, "call_a", "generateImage", `{"pro`), "")}
	handlers := map[string]func(w http.ResponseWriter, r *http.Request, _ int){
		// A well-framed HTTP response that simply stops: only the missing
		// marker tells it apart from success.
		"response ends": func(w http.ResponseWriter, _ *http.Request, _ int) {
			writeSSE(w, false, partial...)
		},
		// Even after finish_reason and usage, no [DONE] means not done.
		"ends after finish": func(w http.ResponseWriter, _ *http.Request, _ int) {
			writeSSE(w, false, chunk(`{"content":"Hi"}`, ""), chunk(`{}`, "stop"), usageChunk)
		},
		// The connection drops in the middle of a chunked body and of an
		// event.
		"connection killed": func(w http.ResponseWriter, _ *http.Request, _ int) {
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			writeChunked := func(b *bufio.ReadWriter, s string) { fmt.Fprintf(b, "%x\r\n%s\r\n", len(s), s) }
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
			for _, c := range partial {
				writeChunked(buf, "data: "+c+"\n\n")
			}
			fmt.Fprintf(buf, "40\r\ndata: {\"id\":\"chatc")
			buf.Flush()
		},
	}
	for name, h := range handlers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t, h)
			evs, err := streamAll(t, f.model(t), hi)
			if !errors.Is(err, llm.ErrIncompleteStream) {
				t.Fatalf("err = %v, want ErrIncompleteStream", err)
			}
			for _, ev := range evs {
				if _, ok := ev.(llm.Finish); ok {
					t.Error("Finish reported for a cut-off stream")
				}
				if _, ok := ev.(llm.ToolCallDone); ok {
					t.Error("half-streamed tool call reported as done")
				}
			}
			if len(evs) == 0 {
				t.Error("events received before the cut were lost")
			}
		})
	}
}

func TestOpenAIContextCancel(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		writeSSE(w, false, chunk(`{"content":"Hel"}`, ""))
		<-r.Context().Done() // hold the stream open until the client goes
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := f.model(t).Stream(ctx, hi)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if ev, err := s.Next(); err != nil || ev != (llm.TextDelta{Text: "Hel"}) {
		t.Fatalf("first event %v, %v", ev, err)
	}
	cancel()
	if _, err := s.Next(); !errors.Is(err, context.Canceled) {
		t.Fatalf("after cancel: %v", err)
	}

	// Cancelled before the request: Stream itself fails.
	if _, err := f.model(t).Stream(ctx, hi); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ctx: %v", err)
	}
}

func TestOpenAICloseAbortsNext(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		writeSSE(w, false, chunk(`{"content":"Hel"}`, ""))
		<-r.Context().Done()
	})
	s, err := f.model(t).Stream(context.Background(), hi)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := s.Next(); done <- err }() // blocks: the server is silent
	s.Close()
	if err := <-done; !errors.Is(err, llm.ErrClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
}
