package uistream

import (
	"fmt"
	"strings"
)

// OrderError names the first chunk of a stream that breaks an ordering rule.
type OrderError struct {
	Index  int    // position of the offending chunk; len(chunks) for "ended early"
	Type   string // its type, "" when the stream ended early
	Reason string
}

// Error describes the chunk and the broken rule.
func (e *OrderError) Error() string {
	if e.Type == "" {
		return fmt.Sprintf("uistream: stream ends after %d chunks: %s", e.Index, e.Reason)
	}
	return fmt.Sprintf("uistream: chunk %d (%s): %s", e.Index, e.Type, e.Reason)
}

// CheckOrder checks a complete stream (without the final [DONE]) against
// the ordering rules of STREAMING.md §1: start first and only once; content
// inside start-step … finish-step, steps not nested; text and reasoning
// blocks opened before their deltas, closed by *-end in the same step, ids
// unique within the response; tool calls in the order tool-input-start →
// tool-input-delta* → tool-input-available → one output (outputs may follow
// the call's step, as tools run after the model's round-trip); finish with
// no step open, or error, last. Tool calls without an output at the end
// are allowed: the protocol has client-side tools. Every chunk must also be
// well formed (Err is nil). It is meant for tests of producers.
func CheckOrder(chunks []Chunk) error {
	s := orderState{
		blocks: map[string]string{}, seen: map[string]bool{}, tools: map[string]*toolState{},
	}
	for i, c := range chunks {
		if reason := s.step(c); reason != "" {
			return &OrderError{Index: i, Type: c.typ, Reason: reason}
		}
	}
	if !s.ended {
		return &OrderError{Index: len(chunks), Reason: "no finish or error chunk at the end"}
	}
	return nil
}

type toolState struct {
	name  string
	state string // input-streaming, input-available, output
}

type orderState struct {
	started, inStep, ended bool
	blocks                 map[string]string // open block key → kind, for this step
	seen                   map[string]bool   // every block key used in the response
	tools                  map[string]*toolState
}

// blockKey keeps text and reasoning ids apart: the client tracks them in
// separate maps, so the same id in both is not a conflict.
func blockKey(typ, id string) string {
	kind, _, _ := strings.Cut(typ, "-")
	return kind + ":" + id
}

// step applies one chunk and returns why it is out of order ("" if fine).
func (s *orderState) step(c Chunk) string {
	if err := c.Err(); err != nil {
		return err.Error()
	}
	switch {
	case s.ended:
		return "nothing may follow finish or error"
	case !s.started && c.typ != TypeStart:
		return "the first chunk must be start"
	}
	switch c.typ {
	case TypeStart:
		if s.started {
			return "start may appear only once"
		}
		s.started = true
	case TypeStartStep:
		if s.inStep {
			return "start-step inside an open step"
		}
		s.inStep = true
	case TypeFinishStep:
		if !s.inStep {
			return "finish-step without start-step"
		}
		if len(s.blocks) > 0 {
			return "finish-step with text or reasoning blocks still open"
		}
		s.inStep = false
	case TypeTextStart, TypeReasoningStart:
		k := blockKey(c.typ, c.id)
		switch {
		case !s.inStep:
			return "block opened outside a step"
		case s.seen[k]:
			return fmt.Sprintf("block id %q already used in this response", c.id)
		}
		s.seen[k] = true
		s.blocks[k] = c.typ
	case TypeTextDelta, TypeTextEnd, TypeReasoningDelta, TypeReasoningEnd:
		k := blockKey(c.typ, c.id)
		if _, open := s.blocks[k]; !open {
			return fmt.Sprintf("block %q is not open in this step", c.id)
		}
		if strings.HasSuffix(c.typ, "-end") {
			delete(s.blocks, k)
		}
	case TypeToolInputStart, TypeToolInputDelta, TypeToolInputAvailable:
		return s.toolInput(c)
	case TypeToolOutputAvailable, TypeToolOutputError:
		t := s.tools[c.toolCallID]
		if t == nil || t.state != stateInputAvailable {
			return fmt.Sprintf("output for tool call %q whose input is not available", c.toolCallID)
		}
		t.state = "output"
	case TypeFinish:
		if s.inStep {
			return "finish with a step still open"
		}
		s.ended = true
	case TypeError:
		s.ended = true
	}
	return ""
}

func (s *orderState) toolInput(c Chunk) string {
	if !s.inStep {
		return "tool input outside a step"
	}
	t := s.tools[c.toolCallID]
	switch c.typ {
	case TypeToolInputStart:
		if t != nil {
			return fmt.Sprintf("tool call id %q already used", c.toolCallID)
		}
		s.tools[c.toolCallID] = &toolState{name: c.toolName, state: stateInputStreaming}
	case TypeToolInputDelta:
		if t == nil || t.state != stateInputStreaming {
			return fmt.Sprintf("tool-input-delta for tool call %q that is not streaming its input", c.toolCallID)
		}
	case TypeToolInputAvailable:
		switch {
		case t == nil:
			s.tools[c.toolCallID] = &toolState{name: c.toolName, state: stateInputAvailable}
		case t.state != stateInputStreaming:
			return fmt.Sprintf("tool call id %q already has its input", c.toolCallID)
		case t.name != c.toolName:
			return fmt.Sprintf("tool call %q started as %q", c.toolCallID, t.name)
		default:
			t.state = stateInputAvailable
		}
	}
	return ""
}
