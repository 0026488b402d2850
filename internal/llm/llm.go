// Package llm is the chat-model side of the agent: a small provider-neutral
// streaming interface, the server-side tool definitions the model may call,
// and two providers — a deterministic offline "local" model and an
// OpenAI-compatible chat-completions client.
//
// The agent loop owns everything else (UI message stream, tool execution,
// credits); this package only turns a conversation into a stream of events,
// so a provider can be swapped without touching the loop.
package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Role is the author of a Message.
type Role string

// The roles a conversation can hold.
const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	// RoleTool messages carry the result of one tool call (ToolCallID).
	RoleTool Role = "tool"
)

// PartType tells what a Part holds.
type PartType string

// The content a message can carry.
const (
	PartText  PartType = "text"
	PartImage PartType = "image"
)

// Part is one piece of message content: text, or an image the user attached.
type Part struct {
	Type PartType
	Text string // PartText
	// URL locates a PartImage: an https URL or a data: URL the provider can
	// read.
	URL string
	// ImageID is our id of the image (e.g. "insert_<uuid>"), when known.
	// Models cannot see URLs' meaning, so providers show the id next to the
	// image; that is how a model learns what to pass to editImage.
	ImageID string
}

// Text returns a text part.
func Text(s string) Part { return Part{Type: PartText, Text: s} }

// Image returns an image part; id may be empty.
func Image(url, id string) Part { return Part{Type: PartImage, URL: url, ImageID: id} }

// ToolCall is a tool invocation the model made.
type ToolCall struct {
	ID   string
	Name string
	// Args is the argument object as JSON.
	Args json.RawMessage
}

// Message is one entry of the conversation sent to a model.
//
//   - system / user: Content (users may attach images).
//   - assistant: Content (text only) and/or ToolCalls.
//   - tool: the result of the call ToolCallID, as text in Content
//     (usually JSON); Name is the tool's name, IsError marks a failure.
type Message struct {
	Role       Role
	Content    []Part
	ToolCalls  []ToolCall
	ToolCallID string
	Name       string
	IsError    bool
}

// Text returns the concatenated text parts of m.
func (m Message) Text() string {
	var b strings.Builder
	for _, p := range m.Content {
		if p.Type == PartText {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// SystemMessage returns a system message with the given text.
func SystemMessage(text string) Message {
	return Message{Role: RoleSystem, Content: []Part{Text(text)}}
}

// UserMessage returns a user message with the given parts.
func UserMessage(parts ...Part) Message {
	return Message{Role: RoleUser, Content: parts}
}

// AssistantMessage returns an assistant message with optional text and
// tool calls.
func AssistantMessage(text string, calls ...ToolCall) Message {
	m := Message{Role: RoleAssistant, ToolCalls: calls}
	if text != "" {
		m.Content = []Part{Text(text)}
	}
	return m
}

// ToolResult returns the message that answers the tool call callID.
func ToolResult(callID, name, content string, isError bool) Message {
	return Message{Role: RoleTool, ToolCallID: callID, Name: name, Content: []Part{Text(content)}, IsError: isError}
}

// Tool describes a function the model may call.
type Tool struct {
	Name        string
	Description string
	// Parameters is the JSON Schema of the argument object.
	Parameters json.RawMessage
}

// Purpose tells a provider what a request is for, so it can pick a model
// (a cheap one for titles) without the caller knowing model names.
type Purpose int

// The request purposes.
const (
	PurposeChat Purpose = iota
	PurposeTitle
)

// Request is one model round-trip (one agent step).
type Request struct {
	Messages []Message
	Tools    []Tool
	// Thinking asks for visible reasoning (a reasoning model where one is
	// configured); reasoning arrives as ReasoningDelta events.
	Thinking bool
	// MaxTokens caps the output; 0 leaves it to the provider.
	MaxTokens int
	Purpose   Purpose
	// Resume continues a step that was cut off (a run taken over from an
	// instance that died): the assistant had already said Resume.Text
	// (after thinking Resume.Reasoning) in this step, and the model goes on
	// from there without repeating it. Messages end before that step.
	Resume *Resume

	// title is the structured input of a Title request. Providers read the
	// prose in Messages; the scripted local model reads this instead of
	// parsing its own description back.
	title *TitleInput
}

// Resume is what the assistant had already produced in an interrupted
// step.
type Resume struct{ Text, Reasoning string }

func (r Request) validate() error {
	if len(r.Messages) == 0 {
		return errors.New("llm: request has no messages")
	}
	return nil
}

// Event is one item of a model stream: TextDelta, ReasoningDelta,
// ToolCallStart, ToolCallDelta, ToolCallDone, Usage or Finish.
type Event interface{ isEvent() }

// TextDelta is a piece of the visible answer.
type TextDelta struct{ Text string }

// ReasoningDelta is a piece of the model's reasoning (Thinking).
type ReasoningDelta struct{ Text string }

// ToolCallStart opens a tool call; its argument text follows in
// ToolCallDelta events with the same ID.
type ToolCallStart struct{ ID, Name string }

// ToolCallDelta is a piece of a tool call's argument JSON text.
type ToolCallDelta struct{ ID, ArgsDelta string }

// ToolCallDone closes a tool call with its complete arguments. Args is
// always valid JSON: empty argument text becomes {}; text that does not
// parse is kept as a JSON string and Malformed is set, so the call can still
// be stored and shown, and the tool should answer it with an error.
type ToolCallDone struct {
	ID, Name  string
	Args      json.RawMessage
	Malformed bool
}

// Usage reports the token counts of the round-trip: at most once, just
// before Finish (providers that do not report usage send none).
type Usage struct{ Input, Output int }

// Finish is the last event of a complete stream.
type Finish struct{ Reason FinishReason }

func (TextDelta) isEvent()      {}
func (ReasoningDelta) isEvent() {}
func (ToolCallStart) isEvent()  {}
func (ToolCallDelta) isEvent()  {}
func (ToolCallDone) isEvent()   {}
func (Usage) isEvent()          {}
func (Finish) isEvent()         {}

// FinishReason says why the model stopped. The values are the AI SDK v5
// ones, so the agent can pass them to the client unchanged.
type FinishReason string

// The finish reasons.
const (
	FinishStop          FinishReason = "stop"
	FinishToolCalls     FinishReason = "tool-calls"
	FinishLength        FinishReason = "length"
	FinishContentFilter FinishReason = "content-filter"
	FinishOther         FinishReason = "other"
)

// Model is a chat model provider.
type Model interface {
	// Stream starts one round-trip. Errors before any output (bad request,
	// HTTP 4xx/5xx, cancelled ctx) are returned here or by the first Next.
	// ctx bounds the whole stream.
	Stream(ctx context.Context, req Request) (Stream, error)
	// Name identifies the provider (and model) for logs and metrics.
	Name() string
}

// Stream yields the events of one round-trip.
//
// A complete stream ends with exactly one Finish event followed by io.EOF;
// every ToolCallStart is matched by a ToolCallDone before Finish. A stream
// that breaks off returns an error instead (ErrIncompleteStream, an
// *APIError, or the context's error), never a silent io.EOF. Errors are
// sticky. Close releases the stream and may be called at any time, also
// concurrently with Next to abort it; later Next calls return ErrClosed.
type Stream interface {
	Next() (Event, error)
	Close() error
}

// ErrIncompleteStream is returned when a provider's stream ends before its
// end marker, e.g. the connection dropped mid-answer.
var ErrIncompleteStream = errors.New("llm: stream ended before completion")

// ErrClosed is returned by Next after Close.
var ErrClosed = errors.New("llm: stream closed")

// APIError is an error reported by a provider's API, over HTTP (StatusCode
// set) or inside the stream (StatusCode 0).
type APIError struct {
	Provider   string
	StatusCode int
	Type, Code string
	Message    string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "llm: %s", e.Provider)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.StatusCode)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	} else if e.Type != "" {
		fmt.Fprintf(&b, " %s", e.Type)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	return b.String()
}

// Temporary reports whether retrying later may succeed (rate limits,
// server errors). Providers already retry these a few times before giving
// up, so a caller seeing one should fail the step rather than loop.
func (e *APIError) Temporary() bool {
	s := e.StatusCode
	return s == 408 || s == 409 || s == 429 || s >= 500
}
