package uistream

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzParseChunk: ParseChunk never panics, and a chunk it accepts encodes
// and parses back to the same JSON (stream logs are re-read after a crash).
func FuzzParseChunk(f *testing.F) {
	for _, s := range []string{`{"type":"text-delta","id":"t1","delta":"hi"}`, `{"type":"start","messageId":"m1"}`,
		`{"type":"tool-input-available","toolCallId":"c1","toolName":"image","input":null}`,
		`{"type":"data-progress","data":{"p":1},"transient":true}`, `{"type":"finish","finishReason":"stop"}`,
		`{"type":"error","errorText":"x"}`, `{"type":"text-delta"}`, `[]`, `null`, `{"type":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseChunk(b)
		if err != nil {
			return
		}
		enc, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("accepted %s but cannot encode it: %v", b, err)
		}
		c2, err := ParseChunk(enc)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", enc, err)
		}
		enc2, _ := json.Marshal(c2)
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("not stable: %s then %s", enc, enc2)
		}
	})
}

// FuzzAssemble feeds newline-separated chunks (a stream log) to an
// Assembler: whatever the order or content, it never panics and the
// message it builds encodes as JSON.
func FuzzAssemble(f *testing.F) {
	f.Add([]byte(`{"type":"start","messageId":"m1"}
{"type":"start-step"}
{"type":"text-start","id":"t1"}
{"type":"text-delta","id":"t1","delta":"hel"}
{"type":"text-delta","id":"t1","delta":"lo"}
{"type":"text-end","id":"t1"}
{"type":"tool-input-start","toolCallId":"c1","toolName":"image"}
{"type":"tool-input-delta","toolCallId":"c1","inputTextDelta":"{\"p\":"}
{"type":"tool-input-available","toolCallId":"c1","toolName":"image","input":{"p":1}}
{"type":"tool-output-available","toolCallId":"c1","output":{"ok":true}}
{"type":"finish-step"}
{"type":"finish"}`))
	f.Add([]byte(`{"type":"text-delta","id":"t9","delta":"orphan"}
{"type":"tool-output-available","toolCallId":"nope","output":1}
{"type":"text-end","id":"t9"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a := NewAssembler()
		for _, line := range bytes.Split(b, []byte("\n")) {
			if c, err := ParseChunk(line); err == nil {
				_ = a.Add(c) // out-of-order chunks are errors, never panics
			}
		}
		if _, err := json.Marshal(a.Message()); err != nil {
			t.Fatalf("assembled message does not encode: %v", err)
		}
	})
}
