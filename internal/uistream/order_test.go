package uistream

import (
	"errors"
	"testing"
)

func TestCheckOrderAccepts(t *testing.T) {
	t.Parallel()
	streams := map[string][]Chunk{
		"minimal":        {Start("m", nil), Finish(nil)},
		"error mid-step": {Start("m", nil), StartStep(), TextStart("t"), TextDelta("t", "x"), Error("boom")},
		"same id for text and reasoning": {Start("m", nil), StartStep(), ReasoningStart("0"), ReasoningEnd("0"),
			TextStart("0"), TextEnd("0"), FinishStep(), Finish(nil)},
		"data and metadata outside steps": {Start("m", nil), Data("x", 1), MessageMetadata(raw(`{"a":1}`)),
			StartStep(), FinishStep(), Data("x", 2), Finish(nil)},
		"client-side tool left pending": {Start("m", nil), StartStep(), ToolInputAvailable("c", "ask", nil),
			FinishStep(), Finish(nil)},
	}
	for name, chunks := range streams {
		if err := CheckOrder(chunks); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestCheckOrderRejects(t *testing.T) {
	t.Parallel()
	s, st, fs, f := Start("m", nil), StartStep(), FinishStep(), Finish(nil)
	tests := []struct {
		name   string
		chunks []Chunk
		index  int
	}{
		{"empty", nil, 0},
		{"no start", []Chunk{st, fs, f}, 0},
		{"two starts", []Chunk{s, s, f}, 1},
		{"no end", []Chunk{s, st, fs}, 3},
		{"after finish", []Chunk{s, f, Data("x", 1)}, 2},
		{"after error", []Chunk{s, Error("x"), f}, 2},
		{"nested step", []Chunk{s, st, st}, 2},
		{"finish-step without step", []Chunk{s, fs}, 1},
		{"finish inside step", []Chunk{s, st, f}, 2},
		{"text outside step", []Chunk{s, TextStart("t")}, 1},
		{"delta before text-start", []Chunk{s, st, TextDelta("t", "x")}, 2},
		{"block left open at finish-step", []Chunk{s, st, TextStart("t"), fs}, 3},
		{"block closed in the next step", []Chunk{s, st, ReasoningStart("r"), TextEnd("r")}, 3},
		{"block id reused", []Chunk{s, st, TextStart("t"), TextEnd("t"), fs, st, TextStart("t")}, 6},
		{"tool output before input", []Chunk{s, st, ToolInputStart("c", "x"), ToolOutputAvailable("c", 1)}, 3},
		{"tool input delta after available", []Chunk{s, st, ToolInputStart("c", "x"),
			ToolInputAvailable("c", "x", nil), ToolInputDelta("c", "{")}, 4},
		{"tool renamed", []Chunk{s, st, ToolInputStart("c", "x"), ToolInputAvailable("c", "y", nil)}, 3},
		{"tool call id reused", []Chunk{s, st, ToolInputAvailable("c", "x", nil), ToolInputStart("c", "x")}, 3},
		{"two outputs", []Chunk{s, st, ToolInputAvailable("c", "x", nil), ToolOutputError("c", "e"),
			ToolOutputAvailable("c", 1)}, 4},
		{"tool input outside step", []Chunk{s, ToolInputAvailable("c", "x", nil)}, 1},
		{"broken chunk", []Chunk{s, TextStart("")}, 1},
	}
	for _, tt := range tests {
		err := CheckOrder(tt.chunks)
		var oe *OrderError
		if !errors.As(err, &oe) {
			t.Errorf("%s: err = %v, want *OrderError", tt.name, err)
			continue
		}
		if oe.Index != tt.index {
			t.Errorf("%s: index %d, want %d (%v)", tt.name, oe.Index, tt.index, err)
		}
	}
}
