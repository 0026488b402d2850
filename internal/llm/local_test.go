package llm_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/llm"
)

const imgID = "insert_0b7c6a52-3f1e-4d2a-9c8b-5e6f7a8b9c0d"

func runLocal(t *testing.T, req llm.Request) summary {
	t.Helper()
	s, err := llm.NewLocal(0).Stream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := collect(t, s)
	if err != nil {
		t.Fatal(err)
	}
	return summarize(t, evs)
}

func TestLocalPicksTool(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		msgs  []llm.Message
		tool  string
		input string
	}{
		{"plain image", []llm.Message{llm.UserMessage(llm.Text("A red fox in the snow"))},
			llm.ToolGenerateImage, `{"prompt":"A red fox in the snow"}`},
		{"image with ratio", []llm.Message{llm.UserMessage(llm.Text("a wide beach at dusk, 16:9"))},
			llm.ToolGenerateImage, `{"prompt":"a wide beach at dusk, 16:9","ratio":"16:9"}`},
		{"video words", []llm.Message{llm.UserMessage(llm.Text("Make a 10 second video of waves, 9:16"))},
			llm.ToolGenerateVideo, `{"prompt":"Make a 10 second video of waves, 9:16","duration":10,"ratio":"9:16"}`},
		{"video from attached image", []llm.Message{llm.UserMessage(llm.Image("https://x/y.png", imgID), llm.Text("animate this"))},
			llm.ToolGenerateVideo, `{"prompt":"animate this","sourceImageId":"` + imgID + `","duration":5,"ratio":"auto"}`},
		{"music", []llm.Message{llm.UserMessage(llm.Text("Write an instrumental song about rain"))},
			llm.ToolGenerateMusic, `{"prompt":"Write an instrumental song about rain","instrumental":true}`},
		{"edit attached image", []llm.Message{llm.UserMessage(llm.Image("https://x/y.png", imgID), llm.Text("change the sky to purple"))},
			llm.ToolEditImage, `{"imageId":"` + imgID + `","prompt":"change the sky to purple"}`},
		{"edit id found in image URL", []llm.Message{llm.UserMessage(llm.Image("https://cdn/u/"+imgID+".png", ""), llm.Text("make it blue"))},
			llm.ToolEditImage, `{"imageId":"` + imgID + `","prompt":"make it blue"}`},
		{"edit id written in text", []llm.Message{llm.UserMessage(llm.Text("edit " + imgID + " to add a hat"))},
			llm.ToolEditImage, `{"imageId":"` + imgID + `","prompt":"edit to add a hat"}`},
		{"edit follow-up uses the chat's latest image", []llm.Message{
			llm.UserMessage(llm.Text("a cat")),
			llm.AssistantMessage("", llm.ToolCall{ID: "c1", Name: llm.ToolGenerateImage, Args: []byte(`{"prompt":"a cat"}`)}),
			llm.ToolResult("c1", llm.ToolGenerateImage, `{"images":[{"imageId":"gen_11111111-2222-3333-4444-555555555555"}]}`, false),
			llm.AssistantMessage("Here is your image."),
			llm.UserMessage(llm.Text("now make it blue")),
		}, llm.ToolEditImage, `{"imageId":"gen_11111111-2222-3333-4444-555555555555","prompt":"now make it blue"}`},
		{"image attached without edit words", []llm.Message{llm.UserMessage(llm.Image("https://x/y.png", imgID), llm.Text("a dog in this style"))},
			llm.ToolGenerateImage, `{"prompt":"a dog in this style"}`},
		{"edit words but no image anywhere", []llm.Message{llm.UserMessage(llm.Text("add a moon to a night sky"))},
			llm.ToolGenerateImage, `{"prompt":"add a moon to a night sky"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := runLocal(t, llm.Request{Messages: tc.msgs, Tools: llm.Tools()})
			if len(s.calls) != 1 || s.calls[0].Name != tc.tool {
				t.Fatalf("calls = %+v, want one %s", s.calls, tc.tool)
			}
			c := s.calls[0]
			if got, want := compactJSON(t, string(c.Args)), compactJSON(t, tc.input); got != want {
				t.Errorf("args = %s, want %s", got, want)
			}
			if s.argsStreamed[c.ID] != string(c.Args) {
				t.Errorf("deltas %q do not add up to args %s", s.argsStreamed[c.ID], c.Args)
			}
			if s.deltaCount[c.ID] < 3 {
				t.Errorf("args streamed in %d chunks, want several", s.deltaCount[c.ID])
			}
			if err := validateArgs(t, c.Name, c.Args); err != nil {
				t.Errorf("args do not match the tool schema: %v", err)
			}
			if s.text == "" || s.finish != llm.FinishToolCalls || s.usage == nil || s.usage.Output == 0 {
				t.Errorf("text %q finish %q usage %v", s.text, s.finish, s.usage)
			}
		})
	}
}

func TestLocalStreamsTokenByToken(t *testing.T) {
	t.Parallel()
	s, err := llm.NewLocal(0).Stream(context.Background(), llm.Request{
		Messages: []llm.Message{llm.UserMessage(llm.Text("a lighthouse in a storm"))}, Tools: llm.Tools(),
	})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := collect(t, s)
	if err != nil {
		t.Fatal(err)
	}
	var deltas []string
	for _, ev := range evs {
		if d, ok := ev.(llm.TextDelta); ok {
			deltas = append(deltas, d.Text)
		}
	}
	if len(deltas) < 4 {
		t.Fatalf("text came in %d deltas: %q", len(deltas), deltas)
	}
	if !strings.Contains(strings.Join(deltas, ""), "a lighthouse in a storm") {
		t.Errorf("reply %q does not mention the subject", strings.Join(deltas, ""))
	}
	if _, ok := evs[len(evs)-1].(llm.Finish); !ok {
		t.Errorf("last event %#v, want Finish", evs[len(evs)-1])
	}
}

func TestLocalIsDeterministic(t *testing.T) {
	t.Parallel()
	req := llm.Request{Messages: []llm.Message{llm.UserMessage(llm.Text("a song about the sea"))}, Tools: llm.Tools(), Thinking: true}
	var runs [2][]llm.Event
	for i := range runs {
		s, err := llm.NewLocal(0).Stream(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if runs[i], err = collect(t, s); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(runs[0], runs[1]) {
		t.Fatalf("two runs differ:\n%v\n%v", runs[0], runs[1])
	}
	other := runLocal(t, llm.Request{Messages: []llm.Message{llm.UserMessage(llm.Text("a song about the moon"))}, Tools: llm.Tools()})
	first := summarize(t, runs[0])
	if other.calls[0].ID == first.calls[0].ID {
		t.Error("different prompts share a tool call id")
	}
}

func TestLocalThinkingStreamsReasoningFirst(t *testing.T) {
	t.Parallel()
	s, err := llm.NewLocal(0).Stream(context.Background(), llm.Request{
		Messages: []llm.Message{llm.UserMessage(llm.Text("a castle"))}, Tools: llm.Tools(), Thinking: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := collect(t, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := evs[0].(llm.ReasoningDelta); !ok {
		t.Fatalf("first event %#v, want reasoning", evs[0])
	}
	seenText := false
	for _, ev := range evs {
		switch ev.(type) {
		case llm.TextDelta:
			seenText = true
		case llm.ReasoningDelta:
			if seenText {
				t.Fatal("reasoning after text")
			}
		}
	}
	if sum := summarize(t, evs); !strings.Contains(sum.reasoning, llm.ToolGenerateImage) {
		t.Errorf("reasoning %q", sum.reasoning)
	}
	// Without Thinking there is no reasoning at all.
	if sum := runLocal(t, llm.Request{Messages: []llm.Message{llm.UserMessage(llm.Text("a castle"))}, Tools: llm.Tools()}); sum.reasoning != "" {
		t.Errorf("reasoning without Thinking: %q", sum.reasoning)
	}
}

// TestLocalAgentLoopEnds plays the agent loop: step 1 calls a tool, the
// result goes back, step 2 closes without a tool call.
func TestLocalAgentLoopEnds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, result string
		isError      bool
		want         string
	}{
		{"success", `{"images":[{"imageId":"gen_x"}]}`, false, "Here is your image"},
		{"error flag", `insufficient_credits`, true, "Sorry, generateImage did not work: insufficient_credits"},
		{"error object", `{"error":"insufficient_credits"}`, false, "Sorry, generateImage did not work: insufficient_credits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			msgs := []llm.Message{llm.UserMessage(llm.Text("a red bicycle"))}
			step1 := runLocal(t, llm.Request{Messages: msgs, Tools: llm.Tools()})
			c := step1.calls[0]
			msgs = append(msgs,
				llm.AssistantMessage(step1.text, llm.ToolCall{ID: c.ID, Name: c.Name, Args: c.Args}),
				llm.ToolResult(c.ID, "", tc.result, tc.isError)) // name found from the call id
			step2 := runLocal(t, llm.Request{Messages: msgs, Tools: llm.Tools(), Thinking: true})
			if len(step2.calls) != 0 || step2.finish != llm.FinishStop {
				t.Fatalf("step 2 calls %v finish %q", step2.calls, step2.finish)
			}
			if !strings.HasPrefix(step2.text, tc.want) {
				t.Errorf("closing text %q, want prefix %q", step2.text, tc.want)
			}
			if step2.reasoning == "" {
				t.Error("no reasoning in step 2 with Thinking")
			}
		})
	}
}

func TestLocalWithoutOfferedTool(t *testing.T) {
	t.Parallel()
	for _, tools := range [][]llm.Tool{nil, llm.Tools()[:1]} { // none; generateImage only
		s := runLocal(t, llm.Request{Messages: []llm.Message{llm.UserMessage(llm.Text("a video of a cat"))}, Tools: tools})
		if len(s.calls) != 0 || s.finish != llm.FinishStop || s.text == "" {
			t.Errorf("tools %d: calls %v finish %q text %q", len(tools), s.calls, s.finish, s.text)
		}
	}
}

func TestLocalEmptyRequest(t *testing.T) {
	t.Parallel()
	if _, err := llm.NewLocal(0).Stream(context.Background(), llm.Request{}); err == nil {
		t.Fatal("empty request accepted")
	}
}

func TestLocalCancelAndCloseInterruptDelay(t *testing.T) {
	t.Parallel()
	req := llm.Request{Messages: []llm.Message{llm.UserMessage(llm.Text("a boat"))}, Tools: llm.Tools()}
	// An hour per token: only an interruption can end Next in test time.
	m := llm.NewLocal(time.Hour)

	ctx, cancel := context.WithCancel(context.Background())
	s, err := m.Stream(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := s.Next(); done <- err }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("after cancel: %v", err)
	}
	if _, err := s.Next(); !errors.Is(err, context.Canceled) {
		t.Fatalf("error not sticky: %v", err)
	}

	s, err = m.Stream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, err := s.Next(); done <- err }()
	s.Close()
	if err := <-done; !errors.Is(err, llm.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

// TestLocalResumesAnInterruptedStep: given what a cut-off step had said, the
// local model streams the rest of the same step (and the same tool call),
// so a taken-over run reads as if it had never stopped.
func TestLocalResumesAnInterruptedStep(t *testing.T) {
	t.Parallel()
	req := llm.Request{Messages: []llm.Message{llm.UserMessage(llm.Text("draw a red fox in the snow"))}, Tools: llm.Tools(), Thinking: true}
	full := runLocal(t, req)
	for _, cut := range []int{0, 1, len(full.text) / 2, len(full.text)} {
		resume := req
		resume.Resume = &llm.Resume{Text: full.text[:cut], Reasoning: full.reasoning}
		rest := runLocal(t, resume)
		if full.text[:cut]+rest.text != full.text {
			t.Fatalf("cut at %d: %q + %q, want %q", cut, full.text[:cut], rest.text, full.text)
		}
		if len(rest.calls) != 1 || rest.calls[0].ID != full.calls[0].ID || string(rest.calls[0].Args) != string(full.calls[0].Args) {
			t.Fatalf("cut at %d: calls %+v, want %+v", cut, rest.calls, full.calls)
		}
		if cut > 0 && rest.reasoning != "" {
			t.Fatalf("cut at %d: reasoned again: %q", cut, rest.reasoning)
		}
	}
	// Cut inside the reasoning: the rest of the reasoning, then the text.
	half := full.reasoning[:len(full.reasoning)/2]
	resume := req
	resume.Resume = &llm.Resume{Reasoning: half}
	if rest := runLocal(t, resume); half+rest.reasoning != full.reasoning || rest.text != full.text {
		t.Fatalf("reasoning resumed as %q / text %q", rest.reasoning, rest.text)
	}
	// Text the model did not write ends the step's text.
	resume.Resume = &llm.Resume{Text: "Something else entirely"}
	if rest := runLocal(t, resume); rest.text != "" {
		t.Fatalf("foreign prefix continued with %q", rest.text)
	}
}
