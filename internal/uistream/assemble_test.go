package uistream

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kira-art/kira/internal/uimsg"
)

func raw(s string) json.RawMessage { return json.RawMessage(s) }

// fullRun is one assistant turn with reasoning, text, two tools (the second
// fails), data parts and two steps. cut marks where a stop lands: inside the
// second step's open text block.
func fullRun() (chunks []Chunk, cut int) {
	chunks = []Chunk{
		Start("msg-1", raw(`{"model":"local","usage":{"in":3}}`)),
		StartStep(),
		ReasoningStart("r1"), ReasoningDelta("r1", "The user wants "), ReasoningDelta("r1", "a cat."), ReasoningEnd("r1"),
		TextStart("t1"), TextDelta("t1", "Making "), TextDelta("t1", "it now."), TextEnd("t1"),
		ToolInputStart("c1", "generateImage"),
		ToolInputDelta("c1", `{"prompt": "a c`),
		ToolInputDelta("c1", `at", "count": 1}`),
		ToolInputAvailable("c1", "generateImage", map[string]any{"prompt": "a cat", "count": 1}),
		ToolInputAvailable("c2", "generateVideo", raw(`{"prompt":"a cat running","duration":5,"ratio":"16:9"}`)),
		Data("usage", map[string]int{"credits": 5}, DataID("u1")),
		Data("progress", 50, Transient()),
		ToolOutputAvailable("c1", raw(`{"images":[{"imageId":"img-1","url":"/f/img-1.png"}]}`)),
		ToolOutputError("c2", "insufficient_credits"),
		FinishStep(),
		StartStep(),
		TextStart("t2"), TextDelta("t2", "Here is "),
		Data("usage", map[string]int{"credits": 10}, DataID("u1")), // replaces u1's data
		Data("note", "kept"),
	}
	cut = len(chunks)
	chunks = append(chunks,
		TextDelta("t2", "your cat."), TextEnd("t2"),
		FinishStep(),
		MessageMetadata(raw(`{"usage":{"out":7}}`)),
		Finish(raw(`{"status":"done"}`)),
	)
	return chunks, cut
}

func assemble(t *testing.T, chunks []Chunk) uimsg.Message {
	t.Helper()
	a := NewAssembler()
	for i, c := range chunks {
		if err := a.Add(c); err != nil {
			t.Fatalf("chunk %d (%s): %v", i, c.Type(), err)
		}
	}
	return a.Message()
}

func wantParts(t *testing.T, m uimsg.Message, want []string) {
	t.Helper()
	if len(m.Parts) != len(want) {
		t.Errorf("%d parts, want %d", len(m.Parts), len(want))
	}
	for i := range min(len(m.Parts), len(want)) {
		if string(m.Parts[i]) != want[i] {
			t.Errorf("part %d:\n got  %s\n want %s", i, m.Parts[i], want[i])
		}
	}
}

var firstStepParts = []string{
	`{"type":"step-start"}`,
	`{"type":"reasoning","id":"r1","text":"The user wants a cat.","state":"done"}`,
	`{"type":"text","text":"Making it now.","state":"done"}`,
	`{"type":"tool-generateImage","toolCallId":"c1","state":"output-available","input":{"count":1,"prompt":"a cat"},"output":{"images":[{"imageId":"img-1","url":"/f/img-1.png"}]}}`,
	`{"type":"tool-generateVideo","toolCallId":"c2","state":"output-error","input":{"prompt":"a cat running","duration":5,"ratio":"16:9"},"errorText":"insufficient_credits"}`,
	`{"type":"data-usage","id":"u1","data":{"credits":10}}`,
}

func TestAssembleFullRun(t *testing.T) {
	t.Parallel()
	chunks, _ := fullRun()
	if err := CheckOrder(chunks); err != nil {
		t.Fatalf("fixture out of order: %v", err)
	}
	m := assemble(t, chunks)
	if m.ID != "msg-1" || m.Role != "assistant" {
		t.Fatalf("id %q role %q", m.ID, m.Role)
	}
	// Metadata merges deeply across start, message-metadata and finish.
	if got, want := string(m.Metadata), `{"model":"local","usage":{"in":3,"out":7},"status":"done"}`; got != want {
		t.Errorf("metadata %s, want %s", got, want)
	}
	wantParts(t, m, append(firstStepParts,
		`{"type":"step-start"}`,
		`{"type":"text","text":"Here is your cat.","state":"done"}`,
		`{"type":"data-note","data":"kept"}`,
	))
	if err := m.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if imgs := m.ToolImages(); len(imgs) != 1 || !strings.Contains(string(imgs[0]), "img-1") {
		t.Fatalf("ToolImages = %s", imgs)
	}
}

func TestAssembleStoppedMidBlock(t *testing.T) {
	t.Parallel()
	chunks, cut := fullRun()
	a := NewAssembler()
	for _, c := range chunks[:cut] {
		if err := a.Add(c); err != nil {
			t.Fatal(err)
		}
	}
	// The run marks the partial message as stopped before saving it.
	if err := a.Add(MessageMetadata(raw(`{"status":"stopped"}`))); err != nil {
		t.Fatal(err)
	}
	m := a.Message()
	wantParts(t, m, append(firstStepParts,
		`{"type":"step-start"}`,
		`{"type":"text","text":"Here is ","state":"streaming"}`,
		`{"type":"data-note","data":"kept"}`,
	))
	if got, want := string(m.Metadata), `{"model":"local","usage":{"in":3},"status":"stopped"}`; got != want {
		t.Errorf("metadata %s, want %s", got, want)
	}
	if err := m.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	// Message is a snapshot: more chunks do not change what was returned.
	before := string(m.Parts[7])
	if err := a.Add(TextDelta("t2", "more")); err != nil {
		t.Fatal(err)
	}
	if string(m.Parts[7]) != before {
		t.Fatal("snapshot changed")
	}
}

func TestAssembleToolInputStreaming(t *testing.T) {
	t.Parallel()
	a := NewAssembler()
	steps := []struct {
		chunk Chunk
		part  string
	}{
		{ToolInputStart("c1", "generateImage"), `{"type":"tool-generateImage","toolCallId":"c1","state":"input-streaming"}`},
		{ToolInputDelta("c1", `{"prompt":"a c`), `{"type":"tool-generateImage","toolCallId":"c1","state":"input-streaming","input":{"prompt":"a c"}}`},
		{ToolInputDelta("c1", `at","coun`), `{"type":"tool-generateImage","toolCallId":"c1","state":"input-streaming","input":{"prompt":"a cat"}}`},
		{ToolInputDelta("c1", `t":1}`), `{"type":"tool-generateImage","toolCallId":"c1","state":"input-streaming","input":{"prompt":"a cat","count":1}}`},
		{ToolInputAvailable("c1", "generateImage", raw(`{"prompt":"a cat","count":1}`)), `{"type":"tool-generateImage","toolCallId":"c1","state":"input-available","input":{"prompt":"a cat","count":1}}`},
		{ToolOutputError("c1", ""), `{"type":"tool-generateImage","toolCallId":"c1","state":"output-error","input":{"prompt":"a cat","count":1},"errorText":""}`},
	}
	for i, s := range steps {
		if err := a.Add(s.chunk); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		m := a.Message()
		if len(m.Parts) != 1 || string(m.Parts[0]) != s.part {
			t.Fatalf("step %d: parts %s\nwant %s", i, m.Parts, s.part)
		}
	}
}

func TestAssembleRejectsWhatTheClientRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		before []Chunk
		bad    Chunk
	}{
		{"delta before start", nil, TextDelta("t", "x")},
		{"end of unknown block", []Chunk{TextStart("t")}, TextEnd("u")},
		{"reasoning id is not a text id", []Chunk{TextStart("t")}, ReasoningDelta("t", "x")},
		{"delta after the block ended", []Chunk{TextStart("t"), TextEnd("t")}, TextDelta("t", "x")},
		{"delta after finish-step", []Chunk{StartStep(), TextStart("t"), FinishStep()}, TextDelta("t", "x")},
		{"input delta without start", nil, ToolInputDelta("c", "{")},
		{"output for unknown call", nil, ToolOutputAvailable("c", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := NewAssembler()
			for _, c := range tt.before {
				if err := a.Add(c); err != nil {
					t.Fatal(err)
				}
			}
			before := a.Message()
			if err := a.Add(tt.bad); err == nil {
				t.Fatal("accepted")
			}
			after := a.Message()
			if len(after.Parts) != len(before.Parts) {
				t.Fatal("a rejected chunk changed the message")
			}
		})
	}
}

func TestAssembleOutputAfterItsStep(t *testing.T) {
	t.Parallel()
	m := assemble(t, []Chunk{
		Start("m", nil), StartStep(), ToolInputAvailable("c1", "generateMusic", nil), FinishStep(),
		StartStep(), ToolOutputAvailable("c1", raw(`{"audio":{"status":"pending"}}`)), FinishStep(), Finish(nil),
	})
	wantParts(t, m, []string{
		`{"type":"step-start"}`,
		`{"type":"tool-generateMusic","toolCallId":"c1","state":"output-available","input":{},"output":{"audio":{"status":"pending"}}}`,
		`{"type":"step-start"}`,
	})
	if m.Metadata != nil {
		t.Fatalf("metadata %s, want none", m.Metadata)
	}
}
