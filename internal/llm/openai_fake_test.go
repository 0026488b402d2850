package llm_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/kira-art/kira/internal/llm"
)

// fakeAPI is a local chat-completions server. Each test gives it a handler
// that writes the real wire format; it records what the SDK sent.
type fakeAPI struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []sentRequest
}

type sentRequest struct {
	path, auth string
	body       map[string]any
}

func newFakeAPI(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, attempt int)) *fakeAPI {
	t.Helper()
	f := &fakeAPI{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Errorf("request body is not JSON: %s", raw)
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, sentRequest{path: r.URL.Path, auth: r.Header.Get("Authorization"), body: body})
		n := len(f.reqs)
		f.mu.Unlock()
		handle(w, r, n)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) requests() []sentRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentRequest(nil), f.reqs...)
}

// model returns the provider pointed at f.
func (f *fakeAPI) model(t *testing.T) *llm.OpenAI {
	t.Helper()
	m, err := llm.NewOpenAI(llm.Config{
		BaseURL: f.srv.URL + "/v1", APIKey: "sk-test",
		Model: "chat-m", ThinkingModel: "think-m", TitleModel: "title-m",
		HTTPClient: f.srv.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// chunk is one chat.completion.chunk as OpenAI streams it.
func chunk(delta, finish string) string {
	fr := "null"
	if finish != "" {
		fr = `"` + finish + `"`
	}
	return fmt.Sprintf(`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m",`+
		`"system_fingerprint":"fp_1","choices":[{"index":0,"delta":%s,"logprobs":null,"finish_reason":%s}],"usage":null}`, delta, fr)
}

const usageChunk = `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m",` +
	`"choices":[],"usage":{"prompt_tokens":21,"completion_tokens":9,"total_tokens":30}}`

// toolDelta is a delta with one tool-call fragment; id and name only on a
// call's first fragment, as OpenAI sends them.
func toolDelta(index int, id, name, args string) string {
	head := ""
	if id != "" {
		head = fmt.Sprintf(`"id":%q,"type":"function",`, id)
	}
	fn := fmt.Sprintf(`"arguments":%q`, args)
	if name != "" {
		fn = fmt.Sprintf(`"name":%q,`, name) + fn
	}
	return fmt.Sprintf(`{"tool_calls":[{"index":%d,%s"function":{%s}}]}`, index, head, fn)
}

// writeSSE sends events in the data: framing, flushing each, and [DONE]
// when done is set.
func writeSSE(w http.ResponseWriter, done bool, chunks ...string) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	fl := w.(http.Flusher)
	for _, c := range chunks {
		fmt.Fprintf(w, "data: %s\n\n", c)
		fl.Flush()
	}
	if done {
		io.WriteString(w, "data: [DONE]\n\n")
		fl.Flush()
	}
}

// plainReply streams "Hello there" in two deltas, finish, usage, [DONE].
func plainReply(w http.ResponseWriter, _ *http.Request, _ int) {
	writeSSE(w, true,
		chunk(`{"role":"assistant","content":"","refusal":null}`, ""),
		chunk(`{"content":"Hello"}`, ""),
		chunk(`{"content":" there"}`, ""),
		chunk(`{}`, "stop"),
		usageChunk)
}

// jsonEqual compares JSON values structurally.
func jsonEqual(t *testing.T, got any, want string) bool {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(w)
	return string(gb) == string(wb)
}
