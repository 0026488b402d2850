package uistream

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kira-art/kira/internal/uimsg"
)

// Part states the client writes.
const (
	stateStreaming       = "streaming"
	stateDone            = "done"
	stateInputStreaming  = "input-streaming"
	stateInputAvailable  = "input-available"
	stateOutputAvailable = "output-available"
	stateOutputError     = "output-error"
)

// part is one message part under construction.
type part struct {
	typ     string // text, reasoning, step-start, tool-<name>, data-<name>
	blockID string // reasoning parts only
	text    []byte // text and reasoning
	state   string // text, reasoning and tool parts

	callID    string
	input     json.RawMessage // nil: undefined on the client
	output    json.RawMessage
	errorText *string

	dataID string // "" when the data part has no id
	data   json.RawMessage
}

// partialTool is a tool call whose input is still being streamed.
type partialTool struct {
	name string
	text string
}

// Assembler folds chunks into the assistant message the way the AI SDK v5
// client (processUIMessageStream) does, so the stored message is the one
// the user saw, including a message cut short by a stop: an open text block
// keeps what arrived, in state "streaming". The zero value is not usable;
// use NewAssembler.
type Assembler struct {
	id              string
	metadata        json.RawMessage
	parts           []*part
	activeText      map[string]*part
	activeReasoning map[string]*part
	partialTools    map[string]*partialTool
}

// NewAssembler starts an empty assistant message, as the client does for a
// new response.
func NewAssembler() *Assembler {
	return &Assembler{
		activeText:      map[string]*part{},
		activeReasoning: map[string]*part{},
		partialTools:    map[string]*partialTool{},
	}
}

// Add folds one chunk into the message. It returns an error, leaving the
// message unchanged, for a chunk the client would fail on (a delta or end
// for a block that is not open, an output for an unknown tool call) and for
// a chunk whose construction failed.
func (a *Assembler) Add(c Chunk) error {
	if err := c.Err(); err != nil {
		return err
	}
	switch c.typ {
	case TypeStart:
		if c.messageID != "" {
			a.id = c.messageID
		}
		a.mergeMetadata(c.metadata)
	case TypeStartStep:
		a.parts = append(a.parts, &part{typ: "step-start"})
	case TypeFinishStep:
		// Blocks left open stay "streaming"; later deltas for them fail.
		clear(a.activeText)
		clear(a.activeReasoning)
	case TypeTextStart, TypeReasoningStart:
		p := &part{typ: "text", state: stateStreaming}
		active := a.activeText
		if c.typ == TypeReasoningStart {
			// ai@5.0.277 keeps the block id on reasoning parts (not on text).
			p.typ, p.blockID, active = "reasoning", c.id, a.activeReasoning
		}
		active[c.id] = p
		a.parts = append(a.parts, p)
	case TypeTextDelta, TypeTextEnd, TypeReasoningDelta, TypeReasoningEnd:
		return a.blockChunk(c)
	case TypeToolInputStart, TypeToolInputDelta, TypeToolInputAvailable:
		return a.toolInput(c)
	case TypeToolOutputAvailable, TypeToolOutputError:
		return a.toolOutput(c)
	case TypeMessageMetadata, TypeFinish:
		a.mergeMetadata(c.metadata)
	case TypeError:
		// The client reports the error and keeps the message as it is.
	default:
		a.dataChunk(c)
	}
	return nil
}

func (a *Assembler) blockChunk(c Chunk) error {
	active := a.activeText
	if strings.HasPrefix(c.typ, "reasoning-") {
		active = a.activeReasoning
	}
	p := active[c.id]
	if p == nil {
		return fmt.Errorf("uistream: %s for block %q that is not open", c.typ, c.id)
	}
	if strings.HasSuffix(c.typ, "-delta") {
		p.text = append(p.text, c.delta...)
		return nil
	}
	p.state = stateDone
	delete(active, c.id)
	return nil
}

func (a *Assembler) toolInput(c Chunk) error {
	switch c.typ {
	case TypeToolInputStart:
		a.partialTools[c.toolCallID] = &partialTool{name: c.toolName}
		a.updateTool(c.toolCallID, c.toolName, stateInputStreaming, nil)
	case TypeToolInputDelta:
		pt := a.partialTools[c.toolCallID]
		if pt == nil {
			return fmt.Errorf("uistream: tool-input-delta for unknown tool call %q", c.toolCallID)
		}
		pt.text += c.inputTextDelta
		a.updateTool(c.toolCallID, pt.name, stateInputStreaming, parsePartialJSON(pt.text))
	case TypeToolInputAvailable:
		a.updateTool(c.toolCallID, c.toolName, stateInputAvailable, c.input)
	}
	return nil
}

// updateTool sets a tool part's state and input, clearing output and
// errorText as the client does; the part is looked up in the current step
// only, and added when missing there.
func (a *Assembler) updateTool(callID, name, state string, input json.RawMessage) {
	p := a.findTool(callID, true)
	if p == nil {
		p = &part{typ: "tool-" + name, callID: callID}
		a.parts = append(a.parts, p)
	}
	p.state, p.input, p.output, p.errorText = state, input, nil, nil
}

func (a *Assembler) toolOutput(c Chunk) error {
	// Outputs may come after the step of their call, so the whole message
	// is searched when the current step lacks the call (newest first).
	p := a.findTool(c.toolCallID, true)
	if p == nil {
		p = a.findTool(c.toolCallID, false)
	}
	if p == nil {
		return fmt.Errorf("uistream: %s for unknown tool call %q", c.typ, c.toolCallID)
	}
	if c.typ == TypeToolOutputAvailable {
		p.state, p.output, p.errorText = stateOutputAvailable, c.output, nil
		return nil
	}
	text := c.errorText
	p.state, p.output, p.errorText = stateOutputError, nil, &text
	return nil
}

// findTool returns the newest tool part for callID, searching only the
// current step (the parts after the last step-start) when stepOnly is set.
func (a *Assembler) findTool(callID string, stepOnly bool) *part {
	for i := len(a.parts) - 1; i >= 0; i-- {
		p := a.parts[i]
		if stepOnly && p.typ == "step-start" {
			return nil
		}
		if p.callID == callID && strings.HasPrefix(p.typ, "tool-") {
			return p
		}
	}
	return nil
}

func (a *Assembler) dataChunk(c Chunk) {
	if c.transient {
		return // shown by the client, never stored
	}
	if c.id != "" {
		for _, p := range a.parts {
			if p.typ == c.typ && p.dataID == c.id {
				p.data = c.data
				return
			}
		}
	}
	a.parts = append(a.parts, &part{typ: c.typ, dataID: c.id, data: c.data})
}

func (a *Assembler) mergeMetadata(m json.RawMessage) {
	switch {
	case m == nil:
	case a.metadata == nil:
		a.metadata = m
	default:
		a.metadata = mergeObjects(a.metadata, m)
	}
}

// Message returns the assistant message as the chunks so far built it. The
// result is a copy; the assembler can take more chunks afterwards.
func (a *Assembler) Message() uimsg.Message {
	m := uimsg.Message{ID: a.id, Role: "assistant", Parts: make([]json.RawMessage, 0, len(a.parts))}
	if a.metadata != nil {
		m.Metadata = append(json.RawMessage(nil), a.metadata...)
	}
	for _, p := range a.parts {
		m.Parts = append(m.Parts, p.encode())
	}
	return m
}

// encode writes a part with the keys the client's part has, in its order,
// leaving out the ones the client leaves undefined.
func (p *part) encode() json.RawMessage {
	w := objWriter{}
	w.str("type", p.typ)
	switch {
	case p.typ == "text" || p.typ == "reasoning":
		w.optStr("id", p.blockID)
		w.str("text", string(p.text))
		w.str("state", p.state)
	case p.typ == "step-start":
	case strings.HasPrefix(p.typ, "tool-"):
		w.str("toolCallId", p.callID)
		w.str("state", p.state)
		w.optRaw("input", p.input)
		w.optRaw("output", p.output)
		if p.errorText != nil {
			w.str("errorText", *p.errorText)
		}
	default:
		w.optStr("id", p.dataID)
		w.raw("data", p.data)
	}
	w.b = append(w.b, '}')
	return w.b
}
