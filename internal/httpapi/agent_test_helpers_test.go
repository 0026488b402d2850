package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/agent"
	"github.com/kira-art/kira/internal/apitest"
	"github.com/kira-art/kira/internal/llm"
	"github.com/kira-art/kira/internal/media"
	"github.com/kira-art/kira/internal/runs"
)

// sseEvent is one parsed server-sent event.
type sseEvent struct {
	ID   string
	Data string
}

// chunk decodes the event's JSON chunk.
func (e sseEvent) chunk(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(e.Data), &m); err != nil {
		t.Fatalf("event data %q: %v", e.Data, err)
	}
	return m
}

// sseStream reads events from a response body one at a time.
type sseStream struct {
	resp *http.Response
	r    *bufio.Reader
}

func (s *sseStream) next() (sseEvent, error) {
	var ev sseEvent
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "":
			if ev.Data != "" {
				return ev, nil
			}
		case strings.HasPrefix(line, "id: "):
			ev.ID = line[4:]
		case strings.HasPrefix(line, "data: "):
			ev.Data = line[6:]
		}
	}
}

// all reads to the end and returns the events before [DONE], failing if
// the stream did not end with [DONE].
func (s *sseStream) all(t *testing.T) []sseEvent {
	t.Helper()
	defer s.resp.Body.Close()
	var out []sseEvent
	for {
		ev, err := s.next()
		if err != nil {
			t.Fatalf("stream ended without [DONE] after %d events: %v", len(out), err)
		}
		if ev.Data == "[DONE]" {
			return out
		}
		out = append(out, ev)
	}
}

// openStream sends a request whose answer is expected to be SSE (200).
func (e *env) openStream(ctx context.Context, method, path, token string, body any, header http.Header) *sseStream {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(ctx, method, e.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		e.t.Fatalf("%s %s: status %d (%s): %s", method, path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	return &sseStream{resp: resp, r: bufio.NewReader(resp.Body)}
}

func streamBody(threadID, msgID, text string) map[string]any {
	return map[string]any{"threadId": threadID, "messages": []any{textMessage(msgID, "user", text)}}
}

// slowAgent re-wires the env with a model that pauses between tokens, so a
// run stays active long enough to observe, reconnect to and stop.
func (e *env) slowAgent(delay time.Duration) {
	e.t.Helper()
	backend := runs.NewMemory(time.Minute)
	svc := agent.New(agent.Deps{Store: e.store, Runs: backend, Model: llm.NewLocal(delay), Images: media.LocalImages{},
		Files: e.api.Files, ImageJSON: e.api.ImageJSON, TaskJSON: e.api.TaskJSON})
	svc.Start()
	e.t.Cleanup(func() { svc.Stop(context.Background()) }) //nolint:errcheck
	e.api.Agent, e.api.Runs = svc, backend
}

func chunkTypes(t *testing.T, evs []sseEvent) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.chunk(t)["type"].(string))
	}
	return out
}

// badWithHeader sends a deliberately invalid bodiless request with one extra header.
func (e *env) badWithHeader(method, path, token, key, value string) response {
	e.t.Helper()
	req, _ := http.NewRequestWithContext(apitest.WithBadRequest(context.Background()), method, e.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set(key, value)
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}
