package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"
)

// callAcc accumulates one streamed tool call.
type callAcc struct {
	id, name string
	args     strings.Builder
	started  bool
	done     bool
}

// oaStream turns chat.completion.chunk events into Events. Tool-call
// deltas arrive keyed by index, possibly interleaved for parallel calls;
// they are accumulated per index and closed (ToolCallDone) when the choice
// reports its finish_reason, so the arguments are complete.
type oaStream struct {
	ctx     context.Context
	sdk     *ssestream.Stream[openai.ChatCompletionChunk]
	sawDone atomic.Bool
	// errStatus and errBody hold the last HTTP error response.
	errStatus int
	errBody   []byte
	closed    atomic.Bool

	byIndex   map[int64]*callAcc
	calls     []*callAcc // in order of appearance
	queue     []Event
	usage     *Usage
	finish    FinishReason
	sawFinish bool
	ended     bool
	err       error
}

func (s *oaStream) Next() (Event, error) {
	for {
		if len(s.queue) > 0 {
			ev := s.queue[0]
			s.queue = s.queue[1:]
			return ev, nil
		}
		if s.err != nil {
			return nil, s.err
		}
		if s.ended {
			return nil, io.EOF
		}
		if s.closed.Load() {
			s.err = ErrClosed
			continue
		}
		if !s.sdk.Next() {
			s.end(s.sdk.Err())
			continue
		}
		s.handle(s.sdk.Current())
	}
}

func (s *oaStream) Close() error {
	s.closed.Store(true)
	s.sdk.Close()
	return nil
}

// end settles how the SDK stream stopped: only a stream that saw its
// [DONE] marker finishes; anything else is an error.
func (s *oaStream) end(err error) {
	switch {
	case s.closed.Load():
		s.err = ErrClosed
	case err != nil || s.ctx.Err() != nil:
		s.err = mapErr(s.ctx, err, s.errStatus, s.errBody)
	case !s.sawDone.Load():
		s.err = ErrIncompleteStream
	default:
		s.closeCalls()
		reason := s.finish
		if !s.sawFinish {
			reason = FinishStop
		}
		// Some servers say "stop" after calling tools; the agent keys its
		// loop on the reason, so report what actually happened.
		if reason == FinishStop && len(s.calls) > 0 {
			reason = FinishToolCalls
		}
		if s.usage != nil {
			s.queue = append(s.queue, *s.usage)
		}
		s.queue = append(s.queue, Finish{Reason: reason})
		s.ended = true
	}
}

func (s *oaStream) handle(c openai.ChatCompletionChunk) {
	for _, ch := range c.Choices {
		if ch.Index != 0 { // n is never set, so other choices are not ours
			continue
		}
		d := ch.Delta
		if r := reasoningOf(d); r != "" {
			s.queue = append(s.queue, ReasoningDelta{Text: r})
		}
		if d.Content != "" {
			s.queue = append(s.queue, TextDelta{Text: d.Content})
		}
		// A refusal is what the user gets to read instead of an answer.
		if d.Refusal != "" {
			s.queue = append(s.queue, TextDelta{Text: d.Refusal})
		}
		for _, tc := range d.ToolCalls {
			s.toolDelta(tc)
		}
		if ch.FinishReason != "" {
			s.sawFinish = true
			s.finish = finishReason(ch.FinishReason)
			s.closeCalls()
		}
	}
	// Kept until the end: some servers repeat (cumulative) usage on every
	// chunk, and consumers want one total.
	if c.JSON.Usage.Valid() {
		s.usage = &Usage{Input: int(c.Usage.PromptTokens), Output: int(c.Usage.CompletionTokens)}
	}
}

func (s *oaStream) toolDelta(tc openai.ChatCompletionChunkChoiceDeltaToolCall) {
	acc := s.byIndex[tc.Index]
	// A different id at a known index is a new call: some servers number
	// every call 0.
	if acc == nil || acc.done || tc.ID != "" && acc.id != "" && tc.ID != acc.id {
		acc = &callAcc{}
		s.byIndex[tc.Index] = acc
		s.calls = append(s.calls, acc)
	}
	if acc.id == "" {
		acc.id = tc.ID
	}
	if acc.name == "" {
		acc.name = tc.Function.Name
	}
	acc.args.WriteString(tc.Function.Arguments)
	if !acc.started {
		if acc.name == "" {
			return // wait for the name; arguments stay buffered
		}
		if acc.id == "" {
			// Some servers send no ids; the tool result must still be
			// matched to its call.
			acc.id = fmt.Sprintf("call_%d", len(s.calls))
		}
		acc.started = true
		s.queue = append(s.queue, ToolCallStart{ID: acc.id, Name: acc.name})
		if acc.args.Len() > 0 {
			s.queue = append(s.queue, ToolCallDelta{ID: acc.id, ArgsDelta: acc.args.String()})
		}
		return
	}
	if tc.Function.Arguments != "" {
		s.queue = append(s.queue, ToolCallDelta{ID: acc.id, ArgsDelta: tc.Function.Arguments})
	}
}

// closeCalls emits ToolCallDone for every open call. Calls that never got
// a name were never announced and cannot be executed, so they are dropped.
func (s *oaStream) closeCalls() {
	for _, acc := range s.calls {
		if !acc.started || acc.done {
			continue
		}
		acc.done = true
		done := ToolCallDone{ID: acc.id, Name: acc.name}
		switch text := strings.TrimSpace(acc.args.String()); {
		case text == "":
			done.Args = json.RawMessage(`{}`)
		case json.Valid([]byte(text)):
			done.Args = json.RawMessage(text)
		default:
			done.Args, _ = json.Marshal(text)
			done.Malformed = true
		}
		s.queue = append(s.queue, done)
	}
}

// reasoningOf reads the reasoning text that OpenAI-compatible servers add
// to the delta outside the official schema: "reasoning_content" (DeepSeek,
// vLLM) or "reasoning" (OpenRouter, newer vLLM). Servers sending both send
// the same text twice, so only the first present one counts.
func reasoningOf(d openai.ChatCompletionChunkChoiceDelta) string {
	for _, key := range []string{"reasoning_content", "reasoning"} {
		f, ok := d.JSON.ExtraFields[key]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal([]byte(f.Raw()), &s) == nil && s != "" {
			return s
		}
	}
	return ""
}

func finishReason(r string) FinishReason {
	switch r {
	case "stop":
		return FinishStop
	case "length":
		return FinishLength
	case "tool_calls", "function_call":
		return FinishToolCalls
	case "content_filter":
		return FinishContentFilter
	default:
		return FinishOther
	}
}

// mapErr turns SDK and transport errors into this package's errors:
// the context's own error when it is done, *APIError for API errors (HTTP
// or in-stream), ErrIncompleteStream for a body cut off mid-event.
func mapErr(ctx context.Context, err error, status int, body []byte) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		e := &APIError{Provider: "openai", StatusCode: apiErr.StatusCode, Type: apiErr.Type, Code: apiErr.Code, Message: apiErr.Message}
		if raw := apiErr.JSON.Code.Raw(); e.Code == "" && raw != "" && raw != "null" {
			e.Code = strings.Trim(raw, `"`) // servers that send numeric codes
		}
		if e.Message == "" {
			e.Message = bodyMessage(body)
		}
		if e.Message == "" {
			e.Message = http.StatusText(e.StatusCode)
		}
		return e
	}
	var se *ssestream.StreamError
	if errors.As(err, &se) {
		var body struct {
			Error struct {
				Message, Type string
				Code          any
			}
		}
		e := &APIError{Provider: "openai", Message: se.Message}
		if json.Unmarshal(se.Event.Data, &body) == nil && body.Error.Message != "" {
			e.Message, e.Type = body.Error.Message, body.Error.Type
			if body.Error.Code != nil {
				e.Code = fmt.Sprint(body.Error.Code)
			}
		}
		return e
	}
	if status >= 400 {
		// The SDK could not parse the error body; status and any message
		// we can find are still the useful part.
		e := &APIError{Provider: "openai", StatusCode: status, Message: bodyMessage(body)}
		if e.Message == "" {
			e.Message = http.StatusText(status)
		}
		return e
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %v", ErrIncompleteStream, err)
	}
	return fmt.Errorf("llm: openai: %w", err)
}

// bodyMessage digs the message out of error bodies that are not OpenAI's
// shape but common among compatible servers: {"error":"…"} (Ollama),
// {"message":"…"}, {"detail":"…"}.
func bodyMessage(raw []byte) string {
	var b struct {
		Error   any `json:"error"`
		Message any `json:"message"`
		Detail  any `json:"detail"`
	}
	if json.Unmarshal(raw, &b) != nil {
		return ""
	}
	for _, v := range []any{b.Error, b.Message, b.Detail} {
		if s, ok := v.(string); ok && s != "" {
			return s
		}
	}
	return ""
}
