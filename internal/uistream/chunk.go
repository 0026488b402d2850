// Package uistream speaks the Vercel AI SDK v5 "UI message stream"
// (STREAMING.md §1): it builds chunks that can only carry the fields the
// client accepts, writes them as server-sent events, checks a stream's
// ordering, and folds chunks into the stored v5 message exactly as the
// client's processUIMessageStream does, so what is stored equals what the
// user saw.
package uistream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Chunk types (STREAMING.md §1). Data chunks are "data-<name>".
const (
	TypeStart               = "start"
	TypeStartStep           = "start-step"
	TypeFinishStep          = "finish-step"
	TypeTextStart           = "text-start"
	TypeTextDelta           = "text-delta"
	TypeTextEnd             = "text-end"
	TypeReasoningStart      = "reasoning-start"
	TypeReasoningDelta      = "reasoning-delta"
	TypeReasoningEnd        = "reasoning-end"
	TypeToolInputStart      = "tool-input-start"
	TypeToolInputDelta      = "tool-input-delta"
	TypeToolInputAvailable  = "tool-input-available"
	TypeToolOutputAvailable = "tool-output-available"
	TypeToolOutputError     = "tool-output-error"
	TypeMessageMetadata     = "message-metadata"
	TypeFinish              = "finish"
	TypeError               = "error"
)

// dataPrefix starts the type of every custom data chunk.
const dataPrefix = "data-"

// finishReasons are the values the client's schema accepts; anything else
// would put the chat in an error state.
var finishReasons = []string{"stop", "length", "content-filter", "tool-calls", "error", "other", "unknown"}

// Chunk is one UI message stream chunk. Its fields are unexported so a chunk
// can only be made by the constructors (or ParseChunk), which is what
// guarantees it never carries a field the client would reject. A problem
// found while constructing (an input that does not encode, an empty id) is
// kept in the chunk and reported by MarshalJSON and Assembler.Add, so call
// sites stay one-liners.
type Chunk struct {
	typ            string
	id             string // text/reasoning block id, or data part id
	delta          string
	toolCallID     string
	toolName       string
	inputTextDelta string
	errorText      string
	messageID      string
	finishReason   string
	input          json.RawMessage
	output         json.RawMessage
	data           json.RawMessage
	metadata       json.RawMessage
	transient      bool
	err            error
}

// Type returns the chunk's type, e.g. "text-delta" or "data-usage".
func (c Chunk) Type() string { return c.typ }

// Err returns the problem found when the chunk was built, if any.
func (c Chunk) Err() error {
	if c.typ == "" && c.err == nil {
		return errors.New("uistream: zero Chunk")
	}
	return c.err
}

// Start opens the stream. messageID is the server-made id the assistant
// message will be stored under ("" omits it); metadata, when not nil, must
// be a JSON object.
func Start(messageID string, metadata json.RawMessage) Chunk {
	c := Chunk{typ: TypeStart, messageID: messageID}
	c.metadata, c.err = optionalObject("messageMetadata", metadata)
	return c
}

// StartStep opens one model round-trip.
func StartStep() Chunk { return Chunk{typ: TypeStartStep} }

// FinishStep closes the model round-trip opened by StartStep.
func FinishStep() Chunk { return Chunk{typ: TypeFinishStep} }

// TextStart opens a text block; id must be unique within the response.
func TextStart(id string) Chunk { return block(TypeTextStart, id) }

// TextDelta appends delta to the open text block id.
func TextDelta(id, delta string) Chunk {
	c := block(TypeTextDelta, id)
	c.delta = delta
	return c
}

// TextEnd closes the text block id.
func TextEnd(id string) Chunk { return block(TypeTextEnd, id) }

// ReasoningStart opens a reasoning block; id must be unique within the
// response.
func ReasoningStart(id string) Chunk { return block(TypeReasoningStart, id) }

// ReasoningDelta appends delta to the open reasoning block id.
func ReasoningDelta(id, delta string) Chunk {
	c := block(TypeReasoningDelta, id)
	c.delta = delta
	return c
}

// ReasoningEnd closes the reasoning block id.
func ReasoningEnd(id string) Chunk { return block(TypeReasoningEnd, id) }

// ToolInputStart announces a tool call whose input will be streamed.
func ToolInputStart(callID, name string) Chunk {
	c := tool(TypeToolInputStart, callID)
	c.setToolName(name)
	return c
}

// ToolInputDelta streams a piece of the tool call's JSON input text.
func ToolInputDelta(callID, delta string) Chunk {
	c := tool(TypeToolInputDelta, callID)
	c.inputTextDelta = delta
	return c
}

// ToolInputAvailable carries the complete input of a tool call. input is
// encoded as JSON (a json.RawMessage is used as it is); nil becomes {}
// because tools take an argument object, and a null input would be stored
// and read back as "no input".
func ToolInputAvailable(callID, name string, input any) Chunk {
	c := tool(TypeToolInputAvailable, callID)
	c.setToolName(name)
	if raw, ok := input.(json.RawMessage); input == nil || ok && raw == nil {
		input = json.RawMessage(`{}`)
	}
	c.input = c.encode("input", input)
	return c
}

// ToolOutputAvailable carries a tool call's result, encoded as JSON.
func ToolOutputAvailable(callID string, output any) Chunk {
	c := tool(TypeToolOutputAvailable, callID)
	c.output = c.encode("output", output)
	return c
}

// ToolOutputError reports that a tool call failed; text is shown to the
// user and given to the model.
func ToolOutputError(callID, text string) Chunk {
	c := tool(TypeToolOutputError, callID)
	c.errorText = text
	return c
}

// DataOption sets an optional field of a data chunk.
type DataOption func(*Chunk)

// DataID gives a data part an id; a later chunk of the same type and id
// replaces the part's data instead of adding a part.
func DataID(id string) DataOption { return func(c *Chunk) { c.id = id } }

// Transient marks a data chunk as not part of the message: the client hands
// it to onData but does not store it.
func Transient() DataOption { return func(c *Chunk) { c.transient = true } }

// Data builds a "data-<name>" chunk carrying data encoded as JSON. data
// must not encode to null: a stored data part needs data, and null reads
// back as absent.
func Data(name string, data any, opts ...DataOption) Chunk {
	c := Chunk{typ: dataPrefix + name}
	if name == "" {
		c.err = errors.New("uistream: data chunk: empty name")
	}
	for _, o := range opts {
		o(&c)
	}
	c.data = c.encode("data", data)
	if c.err == nil && bytes.Equal(c.data, []byte("null")) {
		c.err = fmt.Errorf("uistream: %s: data is required", c.typ)
	}
	return c
}

// MessageMetadata merges metadata (a JSON object) into the message's.
func MessageMetadata(metadata json.RawMessage) Chunk {
	c := Chunk{typ: TypeMessageMetadata}
	c.metadata, c.err = optionalObject("messageMetadata", metadata)
	if c.err == nil && c.metadata == nil {
		c.err = errors.New("uistream: message-metadata: messageMetadata is required")
	}
	return c
}

// FinishOption sets an optional field of the finish chunk.
type FinishOption func(*Chunk)

// WithFinishReason adds finishReason (one of stop, length, content-filter,
// tool-calls, error, other, unknown). Only pass it when configuration
// enables it: clients older than ai 5.0.92 reject the field.
func WithFinishReason(reason string) FinishOption {
	return func(c *Chunk) {
		c.finishReason = reason
		if !contains(finishReasons, reason) && c.err == nil {
			c.err = fmt.Errorf("uistream: finish: unknown finishReason %q", reason)
		}
	}
}

// Finish ends the message; metadata, when not nil, must be a JSON object
// and is merged into the message's.
func Finish(metadata json.RawMessage, opts ...FinishOption) Chunk {
	c := Chunk{typ: TypeFinish}
	c.metadata, c.err = optionalObject("messageMetadata", metadata)
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Error reports a failure during the stream; nothing may follow it.
func Error(text string) Chunk { return Chunk{typ: TypeError, errorText: text} }

func block(typ, id string) Chunk {
	c := Chunk{typ: typ, id: id}
	if id == "" {
		// The client keys open blocks by id; an empty one is always a bug.
		c.err = fmt.Errorf("uistream: %s: empty id", typ)
	}
	return c
}

func tool(typ, callID string) Chunk {
	c := Chunk{typ: typ, toolCallID: callID}
	if callID == "" {
		c.err = fmt.Errorf("uistream: %s: empty toolCallId", typ)
	}
	return c
}

// setToolName checks name because it becomes the part type "tool-<name>":
// it must not be empty, and "tool-invocation" is the AI SDK v4 part type,
// so a tool named "invocation" would make the stored message read as v4.
func (c *Chunk) setToolName(name string) {
	c.toolName = name
	if c.err == nil && (name == "" || name == "invocation") {
		c.err = fmt.Errorf("uistream: %s: invalid toolName %q", c.typ, name)
	}
}

// encode marshals v for field, recording the first failure in c.
func (c *Chunk) encode(field string, v any) json.RawMessage {
	raw, err := marshal(v)
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("uistream: %s: %s: %w", c.typ, field, err)
	}
	return raw
}

func optionalObject(field string, raw json.RawMessage) (json.RawMessage, error) {
	if raw == nil {
		return nil, nil
	}
	out, err := marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("uistream: %s: %w", field, err)
	}
	if bytes.Equal(out, []byte("null")) {
		// null means "absent" to the client; omitting it says the same.
		return nil, nil
	}
	if out[0] != '{' {
		return nil, fmt.Errorf("uistream: %s must be a JSON object", field)
	}
	return out, nil
}

// marshal encodes v as compact one-line JSON. It escapes like json.Marshal
// (HTML characters and U+2028/2029 as \uXXXX) because json.Marshal re-escapes
// whatever MarshalJSON returns: one escaping keeps both paths byte-equal.
func marshal(v any) (json.RawMessage, error) {
	return json.Marshal(v)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// isDataType reports whether typ is "data-<name>" with a non-empty name.
func isDataType(typ string) bool {
	return strings.HasPrefix(typ, dataPrefix) && len(typ) > len(dataPrefix)
}
