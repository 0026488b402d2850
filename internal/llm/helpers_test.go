package llm_test

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/kira-art/kira/internal/llm"
)

// collect reads s to its end and returns the events and the terminal error
// (nil for a clean io.EOF).
func collect(t *testing.T, s llm.Stream) ([]llm.Event, error) {
	t.Helper()
	defer s.Close()
	var evs []llm.Event
	for range 10000 {
		ev, err := s.Next()
		if errors.Is(err, io.EOF) {
			return evs, nil
		}
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
	t.Fatal("stream did not end")
	return nil, nil
}

// summary is what a consumer reconstructs from a stream.
type summary struct {
	text, reasoning string
	calls           []llm.ToolCallDone
	argsStreamed    map[string]string // call id → concatenated deltas
	deltaCount      map[string]int
	usage           *llm.Usage
	finish          llm.FinishReason
}

// summarize checks the Stream contract (Start before Delta before Done,
// every Start closed, Finish last and once) and folds the events.
func summarize(t *testing.T, evs []llm.Event) summary {
	t.Helper()
	s := summary{argsStreamed: map[string]string{}, deltaCount: map[string]int{}}
	open := map[string]bool{}
	for i, ev := range evs {
		if s.finish != "" {
			t.Fatalf("event %d (%#v) after Finish", i, ev)
		}
		switch e := ev.(type) {
		case llm.TextDelta:
			s.text += e.Text
		case llm.ReasoningDelta:
			s.reasoning += e.Text
		case llm.ToolCallStart:
			if open[e.ID] || e.ID == "" || e.Name == "" {
				t.Fatalf("bad ToolCallStart %#v", e)
			}
			open[e.ID] = true
		case llm.ToolCallDelta:
			if !open[e.ID] {
				t.Fatalf("ToolCallDelta for unopened call %q", e.ID)
			}
			s.argsStreamed[e.ID] += e.ArgsDelta
			s.deltaCount[e.ID]++
		case llm.ToolCallDone:
			if !open[e.ID] {
				t.Fatalf("ToolCallDone for unopened call %q", e.ID)
			}
			if !json.Valid(e.Args) {
				t.Fatalf("ToolCallDone args not JSON: %s", e.Args)
			}
			delete(open, e.ID)
			s.calls = append(s.calls, e)
		case llm.Usage:
			s.usage = &e
		case llm.Finish:
			s.finish = e.Reason
		default:
			t.Fatalf("unknown event %T", ev)
		}
	}
	if len(open) > 0 {
		t.Fatalf("calls never closed: %v", open)
	}
	if s.finish == "" {
		t.Fatal("no Finish event")
	}
	return s
}

// compactJSON normalises JSON text for comparison.
func compactJSON(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("not JSON: %q: %v", s, err)
	}
	b, _ := json.Marshal(v)
	return strings.TrimSpace(string(b))
}
