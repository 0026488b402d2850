package uistream

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestChunkEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		chunk Chunk
		want  string
	}{
		{"start bare", Start("", nil), `{"type":"start"}`},
		{"start with id", Start("msg-1", nil), `{"type":"start","messageId":"msg-1"}`},
		{"start with metadata", Start("msg-1", json.RawMessage(`{ "a" : 1 }`)),
			`{"type":"start","messageId":"msg-1","messageMetadata":{"a":1}}`},
		{"start null metadata omitted", Start("m", json.RawMessage(`null`)), `{"type":"start","messageId":"m"}`},
		{"start-step", StartStep(), `{"type":"start-step"}`},
		{"finish-step", FinishStep(), `{"type":"finish-step"}`},
		{"text-start", TextStart("t1"), `{"type":"text-start","id":"t1"}`},
		{"text-delta", TextDelta("t1", "Hi <b> & \"you\"\n"), `{"type":"text-delta","id":"t1","delta":"Hi \u003cb\u003e \u0026 \"you\"\n"}`},
		{"text-delta empty", TextDelta("t1", ""), `{"type":"text-delta","id":"t1","delta":""}`},
		{"text-end", TextEnd("t1"), `{"type":"text-end","id":"t1"}`},
		{"reasoning-start", ReasoningStart("r1"), `{"type":"reasoning-start","id":"r1"}`},
		{"reasoning-delta", ReasoningDelta("r1", "hmm"), `{"type":"reasoning-delta","id":"r1","delta":"hmm"}`},
		{"reasoning-end", ReasoningEnd("r1"), `{"type":"reasoning-end","id":"r1"}`},
		{"tool-input-start", ToolInputStart("c1", "generateImage"),
			`{"type":"tool-input-start","toolCallId":"c1","toolName":"generateImage"}`},
		{"tool-input-delta", ToolInputDelta("c1", `{"pro`),
			`{"type":"tool-input-delta","toolCallId":"c1","inputTextDelta":"{\"pro"}`},
		{"tool-input-available struct", ToolInputAvailable("c1", "generateImage", struct {
			Prompt string `json:"prompt"`
			Count  int    `json:"count,omitempty"`
		}{Prompt: "a cat"}),
			`{"type":"tool-input-available","toolCallId":"c1","toolName":"generateImage","input":{"prompt":"a cat"}}`},
		{"tool-input-available nil input", ToolInputAvailable("c1", "x", nil),
			`{"type":"tool-input-available","toolCallId":"c1","toolName":"x","input":{}}`},
		{"tool-input-available raw", ToolInputAvailable("c1", "x", json.RawMessage("{\n \"a\": [1, 2]\n}")),
			`{"type":"tool-input-available","toolCallId":"c1","toolName":"x","input":{"a":[1,2]}}`},
		{"tool-output-available", ToolOutputAvailable("c1", map[string]any{"images": []string{"i1"}}),
			`{"type":"tool-output-available","toolCallId":"c1","output":{"images":["i1"]}}`},
		{"tool-output-error", ToolOutputError("c1", "insufficient_credits"),
			`{"type":"tool-output-error","toolCallId":"c1","errorText":"insufficient_credits"}`},
		{"data", Data("usage", map[string]int{"credits": 5}), `{"type":"data-usage","data":{"credits":5}}`},
		{"data with id", Data("usage", 5, DataID("u1")), `{"type":"data-usage","id":"u1","data":5}`},
		{"data transient", Data("progress", "50%", Transient()),
			`{"type":"data-progress","data":"50%","transient":true}`},
		{"data id and transient", Data("p", []int{}, DataID("x"), Transient()),
			`{"type":"data-p","id":"x","data":[],"transient":true}`},
		{"message-metadata", MessageMetadata(json.RawMessage(`{"status":"stopped"}`)),
			`{"type":"message-metadata","messageMetadata":{"status":"stopped"}}`},
		{"finish bare", Finish(nil), `{"type":"finish"}`},
		{"finish metadata", Finish(json.RawMessage(`{"status":"done"}`)),
			`{"type":"finish","messageMetadata":{"status":"done"}}`},
		{"finish reason enabled", Finish(nil, WithFinishReason("stop")), `{"type":"finish","finishReason":"stop"}`},
		{"error", Error("model unavailable"), `{"type":"error","errorText":"model unavailable"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := json.Marshal(tt.chunk)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if string(got) != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
			// What is written reads back as the same chunk.
			back, err := ParseChunk(got)
			if err != nil {
				t.Fatalf("ParseChunk(%s): %v", got, err)
			}
			again, _ := json.Marshal(back)
			if string(again) != tt.want {
				t.Fatalf("round trip: got %s", again)
			}
		})
	}
}

func TestChunkConstructionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		chunk Chunk
	}{
		{"zero chunk", Chunk{}},
		{"empty text id", TextStart("")},
		{"empty delta id", ReasoningDelta("", "x")},
		{"empty call id", ToolOutputError("", "x")},
		{"empty tool name", ToolInputStart("c1", "")},
		{"v4 tool name", ToolInputAvailable("c1", "invocation", nil)},
		{"input does not encode", ToolInputAvailable("c1", "x", func() {})},
		{"output does not encode", ToolOutputAvailable("c1", make(chan int))},
		{"metadata not an object", Start("m", json.RawMessage(`[1]`))},
		{"metadata invalid JSON", Finish(json.RawMessage(`{`))},
		{"metadata chunk without metadata", MessageMetadata(nil)},
		{"data without name", Data("", 1)},
		{"data null", Data("x", nil)},
		{"unknown finish reason", Finish(nil, WithFinishReason("done"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.chunk.Err() == nil {
				t.Fatal("Err() = nil, want a construction error")
			}
			if b, err := json.Marshal(tt.chunk); err == nil {
				t.Fatalf("marshal succeeded: %s", b)
			}
			if err := NewAssembler().Add(tt.chunk); err == nil {
				t.Fatal("Assembler.Add accepted a broken chunk")
			}
		})
	}
}

func TestParseChunkRejects(t *testing.T) {
	t.Parallel()
	bad := []string{
		`[]`,
		`"start"`,
		`{}`,
		`{"type":1}`,
		`{"type":"file","url":"x","mediaType":"image/png"}`, // not in our table
		`{"type":"start","extra":1}`,
		`{"type":"start","messageId":null}`,
		`{"type":"start","messageId":5}`,
		`{"type":"start","messageMetadata":"x"}`,
		`{"type":"text-delta","id":"t1"}`,
		`{"type":"text-delta","id":"","delta":"x"}`,
		`{"type":"tool-input-available","toolCallId":"c","toolName":"x"}`,
		`{"type":"tool-output-available","toolCallId":"c"}`,
		`{"type":"finish","finishReason":"later"}`,
		`{"type":"data-","data":1}`,
		`{"type":"data-x"}`,
		`{"type":"data-x","data":null}`,
		`{"type":"data-x","data":1,"transient":"yes"}`,
		`{"type":"data-x","data":1,"extra":true}`,
		`{"type":"error"}`,
	}
	for _, in := range bad {
		if c, err := ParseChunk([]byte(in)); err == nil {
			t.Errorf("ParseChunk(%s) = %+v, want error", in, c)
		}
	}
	// Tool inputs and outputs may be any JSON value, null included.
	if _, err := ParseChunk([]byte(`{"type":"tool-output-available","toolCallId":"c","output":null}`)); err != nil {
		t.Errorf("null output rejected: %v", err)
	}
}

func TestChunkUnmarshalJSON(t *testing.T) {
	t.Parallel()
	var cs []Chunk
	in := `[{"type":"start","messageId":"m1"},{"type":"text-delta","id":"t","delta":"x"}]`
	if err := json.Unmarshal([]byte(in), &cs); err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].Type() != TypeStart || cs[1].Type() != TypeTextDelta {
		t.Fatalf("decoded %+v", cs)
	}
	if err := json.Unmarshal([]byte(`[{"type":"nope"}]`), &cs); err == nil ||
		!strings.Contains(err.Error(), "unknown chunk type") {
		t.Fatalf("err = %v", err)
	}
}
