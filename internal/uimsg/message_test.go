package uimsg

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestPartType(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`{"type":"text","text":"x"}`: "text",
		`{"type":"tool-gen"}`:        "tool-gen",
		`{"text":"x"}`:               "",
		`{"type":1}`:                 "",
		`{"Type":"text"}`:            "",
		`"text"`:                     "",
		`not json`:                   "",
		``:                           "",
	} {
		if got := PartType(json.RawMessage(in)); got != want {
			t.Errorf("PartType(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	m := msg("assistant",
		`{"type":"reasoning","text":"hidden"}`,
		`{"type":"text","text":"a"}`,
		`{"type":"tool-gen","toolCallId":"c","state":"output-available","output":{"text":"no"}}`,
		`{"type":"text","text":""}`,
		`{"type":"text","text":"b"}`,
		`{"type":"text"}`)
	if got := m.Text(); got != "a\n\nb" {
		t.Fatalf("Text() = %q", got)
	}
	if got := msg("user").Text(); got != "" {
		t.Fatalf("empty Text() = %q", got)
	}
}

func TestToolImages(t *testing.T) {
	t.Parallel()
	m := msg("assistant",
		`{"type":"tool-gen","toolCallId":"c1","state":"output-available","output":{"images":[{"imageId":"i1","url":"u1"},{"imageId":"i2","w":{"x":1}}]}}`,
		`{"type":"tool-gen","toolCallId":"c2","state":"output-error","errorText":"e","output":{"images":[{"imageId":"no"}]}}`,
		`{"type":"tool-gen","toolCallId":"c3","state":"input-available","input":{"images":[{"imageId":"no"}]}}`,
		`{"type":"data-x","data":{"images":[{"imageId":"no"}]}}`,
		`{"type":"tool-edit","toolCallId":"c4","state":"output-available","output":{"images":[{"url":"no id"},{"imageId":""},"junk",{"imageId":"i3"}]}}`,
		`{"type":"tool-gen","toolCallId":"c5","state":"output-available","output":{"images":"nope"}}`,
		`{"type":"tool-gen","toolCallId":"c6","state":"output-available","output":[1]}`)
	got := m.ToolImages()
	want := []string{`{"imageId":"i1","url":"u1"}`, `{"imageId":"i2","w":{"x":1}}`, `{"imageId":"i3"}`}
	if len(got) != len(want) {
		t.Fatalf("ToolImages() = %s", got)
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("image %d = %s, want %s", i, got[i], want[i])
		}
	}
	if got := msg("assistant", `{"type":"text","text":"x"}`).ToolImages(); got != nil {
		t.Fatalf("no images: %s", got)
	}
}

func TestParseV5(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, wantErr, want string
	}{
		{`{"id":"a","role":"user","parts":[{"type":"text","text":"x"}],"metadata":{"k":1},"createdAt":"2025-01-01T00:00:00Z","other":1}`, "",
			`{"id":"a","role":"user","parts":[{"type":"text","text":"x"}],"metadata":{"k":1},"createdAt":"2025-01-01T00:00:00Z"}`},
		{`{"id":"a","role":"assistant"}`, "", `{"id":"a","role":"assistant","parts":[]}`},
		{`{"id":null,"role":null,"parts":null,"metadata":null}`, "", `{"id":"","role":"","parts":[]}`},
		{`{"ID":"a","Role":"user","Parts":[1]}`, "", `{"id":"","role":"","parts":[]}`},
		{`{"id":1,"role":"user"}`, "id must be a string", ""},
		{`{"id":"a","role":["user"]}`, "role must be a string", ""},
		{`{"id":"a","role":"user","parts":{"type":"text"}}`, "parts must be an array", ""},
	}
	for _, c := range cases {
		m, wasV4, err := Parse([]byte(c.in))
		if wasV4 {
			t.Errorf("Parse(%s): wasV4", c.in)
		}
		if c.wantErr != "" {
			var ve *ValidationError
			if !errors.As(err, &ve) || err.Error() != c.wantErr {
				t.Errorf("Parse(%s) err = %v, want %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%s): %v", c.in, err)
			continue
		}
		if got := mustJSON(t, m); got != c.want {
			t.Errorf("Parse(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}
