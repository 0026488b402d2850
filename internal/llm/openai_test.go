package llm_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/kira-art/kira/internal/llm"
)

func streamAll(t *testing.T, m llm.Model, req llm.Request) ([]llm.Event, error) {
	t.Helper()
	s, err := m.Stream(context.Background(), req)
	if err != nil {
		return nil, err
	}
	return collect(t, s)
}

func TestOpenAIPlainText(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, plainReply)
	evs, err := streamAll(t, f.model(t), llm.Request{Messages: []llm.Message{llm.UserMessage(llm.Text("hi"))}})
	if err != nil {
		t.Fatal(err)
	}
	want := []llm.Event{
		llm.TextDelta{Text: "Hello"}, llm.TextDelta{Text: " there"},
		llm.Usage{Input: 21, Output: 9}, llm.Finish{Reason: llm.FinishStop},
	}
	if !reflect.DeepEqual(evs, want) {
		t.Fatalf("events\n got %#v\nwant %#v", evs, want)
	}
	r := f.requests()[0]
	if r.path != "/v1/chat/completions" || r.auth != "Bearer sk-test" {
		t.Errorf("path %q auth %q", r.path, r.auth)
	}
	if _, ok := r.body["tools"]; ok {
		t.Error("tools sent although none were given")
	}
}

// TestOpenAIRequest asserts what the SDK puts on the wire for a full
// conversation: model, stream flags, tools, and every message kind.
func TestOpenAIRequest(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, plainReply)
	req := llm.Request{
		MaxTokens: 500,
		Tools:     llm.Tools(),
		Messages: []llm.Message{
			llm.SystemMessage("You are Kira."),
			llm.UserMessage(llm.Image("https://img.example/1.png", imgID), llm.Text("edit this")),
			llm.AssistantMessage("On it.",
				llm.ToolCall{ID: "call_1", Name: llm.ToolEditImage, Args: json.RawMessage(`{"imageId":"x","prompt":"p"}`)},
				llm.ToolCall{ID: "call_2", Name: llm.ToolGenerateImage}),
			llm.ToolResult("call_1", llm.ToolEditImage, `{"images":[]}`, false),
			llm.ToolResult("call_2", llm.ToolGenerateImage, "insufficient_credits", true),
			llm.AssistantMessage(""), // nothing to say: dropped, the API rejects it
			llm.UserMessage(llm.Text("thanks")),
		},
	}
	if _, err := streamAll(t, f.model(t), req); err != nil {
		t.Fatal(err)
	}
	b := f.requests()[0].body
	if b["model"] != "chat-m" || b["stream"] != true || b["max_tokens"] != 500.0 {
		t.Errorf("model %v stream %v max_tokens %v", b["model"], b["stream"], b["max_tokens"])
	}
	if !jsonEqual(t, b["stream_options"], `{"include_usage":true}`) {
		t.Errorf("stream_options %v", b["stream_options"])
	}
	wantMsgs := `[
		{"role":"system","content":"You are Kira."},
		{"role":"user","content":[
			{"type":"image_url","image_url":{"url":"https://img.example/1.png"}},
			{"type":"text","text":"[attached image id: ` + imgID + `]"},
			{"type":"text","text":"edit this"}]},
		{"role":"assistant","content":"On it.","tool_calls":[{"id":"call_1","type":"function",
			"function":{"name":"editImage","arguments":"{\"imageId\":\"x\",\"prompt\":\"p\"}"}},
			{"id":"call_2","type":"function","function":{"name":"generateImage","arguments":"{}"}}]},
		{"role":"tool","tool_call_id":"call_1","content":"{\"images\":[]}"},
		{"role":"tool","tool_call_id":"call_2","content":"{\"error\":\"insufficient_credits\"}"},
		{"role":"user","content":"thanks"}]`
	if !jsonEqual(t, b["messages"], wantMsgs) {
		got, _ := json.MarshalIndent(b["messages"], "", " ")
		t.Errorf("messages:\n%s", got)
	}
	tools, _ := b["tools"].([]any)
	if len(tools) != 4 {
		t.Fatalf("tools %v", b["tools"])
	}
	for i, tl := range llm.Tools() {
		want, _ := json.Marshal(map[string]any{"type": "function", "function": map[string]any{
			"name": tl.Name, "description": tl.Description, "parameters": json.RawMessage(tl.Parameters)}})
		if !jsonEqual(t, tools[i], string(want)) {
			t.Errorf("tool %d: %v", i, tools[i])
		}
	}
}

func TestOpenAIPicksModelByPurpose(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeSSE(w, true, chunk(`{"content":"\"Cats in Space.\"\nBecause"}`, "stop"))
	})
	m := f.model(t)
	msgs := []llm.Message{llm.UserMessage(llm.Text("hi"))}
	if _, err := streamAll(t, m, llm.Request{Messages: msgs, Thinking: true}); err != nil {
		t.Fatal(err)
	}
	title, err := llm.Title(context.Background(), m, llm.TitleInput{Text: "tell me about cats in space"})
	if err != nil || title != "Cats in Space" {
		t.Fatalf("title %q, %v", title, err)
	}
	reqs := f.requests()
	if reqs[0].body["model"] != "think-m" || reqs[1].body["model"] != "title-m" {
		t.Errorf("models %v, %v", reqs[0].body["model"], reqs[1].body["model"])
	}
	if _, ok := reqs[1].body["max_tokens"]; ok {
		t.Error("title request capped tokens")
	}
}

// TestOpenAIParallelToolCalls streams two calls whose argument fragments
// interleave by index, split mid-token across chunks.
func TestOpenAIParallelToolCalls(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeSSE(w, true,
			chunk(`{"role":"assistant","content":null}`, ""),
			chunk(toolDelta(0, "call_a", "generateImage", ""), ""),
			chunk(toolDelta(1, "call_b", "generateMusic", `{"pro`), ""),
			chunk(toolDelta(0, "", "", `{"prompt":"a `), ""),
			chunk(toolDelta(1, "", "", `mpt":"jazz"}`), ""),
			chunk(toolDelta(0, "", "", `cat","count":2}`), ""),
			chunk(`{}`, "tool_calls"),
			usageChunk)
	})
	evs, err := streamAll(t, f.model(t), llm.Request{Messages: []llm.Message{llm.UserMessage(llm.Text("cat + jazz"))}, Tools: llm.Tools()})
	if err != nil {
		t.Fatal(err)
	}
	want := []llm.Event{
		llm.ToolCallStart{ID: "call_a", Name: "generateImage"},
		llm.ToolCallStart{ID: "call_b", Name: "generateMusic"},
		llm.ToolCallDelta{ID: "call_b", ArgsDelta: `{"pro`},
		llm.ToolCallDelta{ID: "call_a", ArgsDelta: `{"prompt":"a `},
		llm.ToolCallDelta{ID: "call_b", ArgsDelta: `mpt":"jazz"}`},
		llm.ToolCallDelta{ID: "call_a", ArgsDelta: `cat","count":2}`},
		llm.ToolCallDone{ID: "call_a", Name: "generateImage", Args: json.RawMessage(`{"prompt":"a cat","count":2}`)},
		llm.ToolCallDone{ID: "call_b", Name: "generateMusic", Args: json.RawMessage(`{"prompt":"jazz"}`)},
		llm.Usage{Input: 21, Output: 9},
		llm.Finish{Reason: llm.FinishToolCalls},
	}
	if !reflect.DeepEqual(evs, want) {
		t.Fatalf("events\n got %#v\nwant %#v", evs, want)
	}
	summarize(t, evs)
}

// TestOpenAIToolCallQuirks covers servers that bend the format: whole calls
// in one chunk without ids, every call at index 0, "stop" after tool calls,
// empty and broken argument text.
func TestOpenAIToolCallQuirks(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeSSE(w, true,
			chunk(toolDelta(0, "", "generateImage", `{"prompt":"x"}`), ""),
			chunk(toolDelta(0, "id_2", "editImage", ""), ""),
			chunk(toolDelta(0, "id_3", "generateMusic", `{"prompt": "unterminated`), ""),
			chunk(`{}`, "stop"))
	})
	evs, err := streamAll(t, f.model(t), llm.Request{Messages: []llm.Message{llm.UserMessage(llm.Text("x"))}})
	if err != nil {
		t.Fatal(err)
	}
	s := summarize(t, evs)
	if len(s.calls) != 3 || s.finish != llm.FinishToolCalls {
		t.Fatalf("calls %+v finish %q", s.calls, s.finish)
	}
	if c := s.calls[0]; c.ID == "" || string(c.Args) != `{"prompt":"x"}` || c.Malformed {
		t.Errorf("call without id: %+v", c)
	}
	if c := s.calls[1]; c.ID != "id_2" || string(c.Args) != `{}` {
		t.Errorf("call without args: %+v", c)
	}
	if c := s.calls[2]; !c.Malformed || string(c.Args) != `"{\"prompt\": \"unterminated"` {
		t.Errorf("broken args: %+v %s", c, c.Args)
	}
}

func TestOpenAIReasoning(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeSSE(w, true,
			chunk(`{"role":"assistant","content":"","reasoning_content":"Let me"}`, ""),
			chunk(`{"content":null,"reasoning_content":" think."}`, ""),
			chunk(`{"reasoning":"OpenRouter style."}`, ""),
			// Servers with continuous usage stats repeat a running total.
			`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[],"usage":{"prompt_tokens":21,"completion_tokens":3,"total_tokens":24}}`,
			chunk(`{"content":"Answer.","reasoning_content":null}`, ""),
			chunk(`{}`, "length"),
			usageChunk)
	})
	evs, err := streamAll(t, f.model(t), llm.Request{Messages: []llm.Message{llm.UserMessage(llm.Text("why?"))}, Thinking: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []llm.Event{
		llm.ReasoningDelta{Text: "Let me"}, llm.ReasoningDelta{Text: " think."}, llm.ReasoningDelta{Text: "OpenRouter style."},
		llm.TextDelta{Text: "Answer."}, llm.Usage{Input: 21, Output: 9}, llm.Finish{Reason: llm.FinishLength},
	}
	if !reflect.DeepEqual(evs, want) {
		t.Fatalf("events\n got %#v\nwant %#v", evs, want)
	}
}

// rewriteHost sends every request to target, whatever URL the SDK built.
type rewriteHost struct{ target string }

func (rt rewriteHost) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = "http", rt.target
	return http.DefaultTransport.RoundTrip(r)
}

// TestOpenAIMaxTokensOnOpenAI: OpenAI's own API gets max_completion_tokens
// (its reasoning models reject max_tokens).
func TestOpenAIMaxTokensOnOpenAI(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, plainReply)
	m, err := llm.NewOpenAI(llm.Config{Model: "gpt-x", APIKey: "k",
		HTTPClient: &http.Client{Transport: rewriteHost{target: f.srv.Listener.Addr().String()}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := streamAll(t, m, llm.Request{Messages: hi.Messages, MaxTokens: 64}); err != nil {
		t.Fatal(err)
	}
	b := f.requests()[0].body
	if _, ok := b["max_tokens"]; ok || b["max_completion_tokens"] != 64.0 {
		t.Errorf("max_tokens %v max_completion_tokens %v", b["max_tokens"], b["max_completion_tokens"])
	}
}

// TestOpenAIIgnoresSDKEnvironment: the SDK reads OPENAI_API_KEY and
// OPENAI_BASE_URL by default; Config must win, so a key meant for OpenAI
// never reaches a configured third-party server. Not parallel: it sets
// process environment (Go runs it before the parallel tests resume).
func TestOpenAIIgnoresSDKEnvironment(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-not-for-you")
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/")
	f := newFakeAPI(t, plainReply)
	m, err := llm.NewOpenAI(llm.Config{BaseURL: f.srv.URL, Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := streamAll(t, m, hi); err != nil {
		t.Fatal(err)
	}
	if auth := f.requests()[0].auth; auth != "" {
		t.Errorf("Authorization %q sent without a configured key", auth)
	}
}
