package llm

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/param"
	"github.com/openai/openai-go/v3/shared"
)

// DefaultOpenAIBaseURL is used when Config.BaseURL is empty.
const DefaultOpenAIBaseURL = "https://api.openai.com/v1/"

// OpenAI talks to any OpenAI-compatible chat-completions API (OpenAI,
// Mistral, OpenRouter, vLLM, Ollama …) through the official SDK.
type OpenAI struct {
	client                 openai.Client
	model, thinking, title string
	// maxCompletion selects max_completion_tokens (OpenAI itself, whose
	// reasoning models reject max_tokens) over max_tokens (what most
	// compatible servers understand).
	maxCompletion bool
}

// NewOpenAI returns the provider for cfg; cfg.Model is required.
func NewOpenAI(cfg Config) (*OpenAI, error) {
	if cfg.Model == "" {
		return nil, errors.New("llm: openai provider needs a model (LLM_MODEL)")
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultOpenAIBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("llm: invalid base URL %q", base)
	}
	// Base URL and key are always set explicitly, so OPENAI_BASE_URL /
	// OPENAI_API_KEY in the process environment cannot redirect requests
	// or leak a key to a configured third-party server.
	opts := []option.RequestOption{option.WithBaseURL(base), option.WithAPIKey(cfg.APIKey)}
	if cfg.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(cfg.HTTPClient))
	}
	return &OpenAI{
		client:        openai.NewClient(opts...),
		model:         cfg.Model,
		thinking:      cmp.Or(cfg.ThinkingModel, cfg.Model),
		title:         cmp.Or(cfg.TitleModel, cfg.Model),
		maxCompletion: u.Host == "api.openai.com",
	}, nil
}

// Name returns "openai:<chat model>".
func (o *OpenAI) Name() string { return "openai:" + o.model }

// modelFor picks the configured model for a request.
func (o *OpenAI) modelFor(req Request) string {
	switch {
	case req.Purpose == PurposeTitle:
		return o.title
	case req.Thinking:
		return o.thinking
	}
	return o.model
}

// Stream sends req as a streaming chat completion. HTTP errors (after the
// SDK's own retries of 429/5xx) are returned here as *APIError.
func (o *OpenAI) Stream(ctx context.Context, req Request) (Stream, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	params, err := o.params(req)
	if err != nil {
		return nil, err
	}
	s := &oaStream{ctx: ctx, byIndex: map[int64]*callAcc{}}
	// The SDK ends a stream the same way on "data: [DONE]" and on a dropped
	// connection, so a middleware watches the body for the end marker.
	mw := option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		res, err := next(r)
		if err != nil || res.Body == nil {
			return res, err
		}
		if res.StatusCode >= 400 {
			// Keep the error body: the SDK fails to parse error shapes
			// other than OpenAI's ({"error":"…"} from Ollama, HTML from a
			// proxy) and then loses the status too. The middleware runs
			// synchronously inside NewStreaming, so plain fields suffice.
			raw, _ := io.ReadAll(io.LimitReader(res.Body, 16<<10))
			res.Body.Close()
			res.Body = io.NopCloser(bytes.NewReader(raw))
			s.errStatus, s.errBody = res.StatusCode, raw
		} else {
			res.Body = &doneWatcher{rc: res.Body, done: &s.sawDone}
		}
		return res, nil
	})
	s.sdk = o.client.Chat.Completions.NewStreaming(ctx, params, mw)
	// Surface request errors (4xx/5xx, unreachable server) now rather than
	// on the first Next, so callers can tell "never started" apart.
	if err := s.sdk.Err(); err != nil {
		s.sdk.Close()
		return nil, mapErr(ctx, err, s.errStatus, s.errBody)
	}
	return s, nil
}

func (o *OpenAI) params(req Request) (openai.ChatCompletionNewParams, error) {
	p := openai.ChatCompletionNewParams{
		Model:         shared.ChatModel(o.modelFor(req)),
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: param.NewOpt(true)},
	}
	if req.MaxTokens > 0 {
		if o.maxCompletion {
			p.MaxCompletionTokens = param.NewOpt(int64(req.MaxTokens))
		} else {
			p.MaxTokens = param.NewOpt(int64(req.MaxTokens))
		}
	}
	for _, t := range req.Tools {
		var schema map[string]any
		if len(t.Parameters) > 0 {
			if err := json.Unmarshal(t.Parameters, &schema); err != nil {
				return p, fmt.Errorf("llm: tool %s: parameters are not a JSON object: %w", t.Name, err)
			}
		}
		def := shared.FunctionDefinitionParam{Name: t.Name, Parameters: schema}
		if t.Description != "" {
			def.Description = param.NewOpt(t.Description)
		}
		p.Tools = append(p.Tools, openai.ChatCompletionFunctionTool(def))
	}
	for _, m := range req.Messages {
		if msg, ok := toOpenAIMessage(m); ok {
			p.Messages = append(p.Messages, msg)
		}
	}
	if r := req.Resume; r != nil && r.Text != "" {
		// Chat completions cannot prefill a reply, so the cut-off text is
		// the last assistant turn and an instruction asks for the rest.
		p.Messages = append(p.Messages, openai.AssistantMessage(r.Text), openai.SystemMessage(resumeInstruction))
	}
	return p, nil
}

// resumeInstruction asks the model to finish an interrupted reply.
const resumeInstruction = "Your previous reply was cut off after the text above. Continue it exactly where it stopped, " +
	"without repeating any of it and without any preamble."

// toOpenAIMessage converts one message; ok is false for messages the API
// would reject and that carry nothing (an empty assistant turn).
func toOpenAIMessage(m Message) (openai.ChatCompletionMessageParamUnion, bool) {
	switch m.Role {
	case RoleSystem:
		return openai.SystemMessage(m.Text()), true
	case RoleTool:
		content := m.Text()
		// The API has no error flag on tool results; an explicit error
		// object keeps the model from reading a bare code as output.
		if m.IsError && !strings.HasPrefix(strings.TrimSpace(content), "{") {
			b, _ := json.Marshal(map[string]string{"error": content})
			content = string(b)
		}
		return openai.ToolMessage(content, m.ToolCallID), true
	case RoleAssistant:
		var a openai.ChatCompletionAssistantMessageParam
		if t := m.Text(); t != "" {
			a.Content.OfString = param.NewOpt(t)
		}
		for _, c := range m.ToolCalls {
			args := string(c.Args)
			if args == "" {
				args = "{}"
			}
			a.ToolCalls = append(a.ToolCalls, openai.ChatCompletionMessageToolCallUnionParam{
				OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{
					ID:       c.ID,
					Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: c.Name, Arguments: args},
				},
			})
		}
		if !a.Content.OfString.Valid() && len(a.ToolCalls) == 0 {
			return openai.ChatCompletionMessageParamUnion{}, false
		}
		return openai.ChatCompletionMessageParamUnion{OfAssistant: &a}, true
	default: // user
		if !hasImages(m) {
			return openai.UserMessage(m.Text()), true
		}
		var parts []openai.ChatCompletionContentPartUnionParam
		for _, p := range m.Content {
			switch p.Type {
			case PartText:
				parts = append(parts, openai.TextContentPart(p.Text))
			case PartImage:
				parts = append(parts, openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{URL: p.URL}))
				if p.ImageID != "" {
					parts = append(parts, openai.TextContentPart("[attached image id: "+p.ImageID+"]"))
				}
			}
		}
		return openai.UserMessage(parts), true
	}
}

func hasImages(m Message) bool {
	for _, p := range m.Content {
		if p.Type == PartImage {
			return true
		}
	}
	return false
}

// doneWatcher passes the response body through and records whether a
// "data: [DONE]" line went by. Only the current line's first bytes are
// kept, so memory stays constant however long the stream.
type doneWatcher struct {
	rc   io.ReadCloser
	done *atomic.Bool
	line []byte
	long bool // current line exceeded what the marker could be
}

const doneLine = "data: [DONE]"

func (w *doneWatcher) Read(p []byte) (int, error) {
	n, err := w.rc.Read(p)
	for _, c := range p[:n] {
		if c == '\n' {
			if !w.long && isDoneLine(string(w.line)) {
				w.done.Store(true)
			}
			w.line, w.long = w.line[:0], false
			continue
		}
		if len(w.line) < len(doneLine)+2 {
			w.line = append(w.line, c)
		} else {
			w.long = true
		}
	}
	// A marker without a final newline still ends the stream properly.
	if err == io.EOF && !w.long && isDoneLine(string(w.line)) {
		w.done.Store(true)
	}
	return n, err
}

func isDoneLine(l string) bool {
	rest, ok := strings.CutPrefix(l, "data:")
	return ok && strings.TrimSpace(rest) == "[DONE]"
}

func (w *doneWatcher) Close() error { return w.rc.Close() }
