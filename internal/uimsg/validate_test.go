package uimsg

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func msg(role string, parts ...string) Message {
	m := Message{ID: "msg_1-A", Role: role, Parts: []json.RawMessage{}}
	for _, p := range parts {
		m.Parts = append(m.Parts, json.RawMessage(p))
	}
	return m
}

func TestValidate(t *testing.T) {
	t.Parallel()
	long := msg("assistant")
	for range MaxParts + 1 {
		long.Parts = append(long.Parts, json.RawMessage(`{"type":"step-start"}`))
	}
	atMax := msg("assistant")
	atMax.Parts = long.Parts[:MaxParts]
	badID := msg("user", `{"type":"text","text":"x"}`)
	badID.ID = "has space"
	badMeta := msg("user", `{"type":"text","text":"x"}`)
	badMeta.Metadata = json.RawMessage(`[1]`)
	okMeta := msg("user", `{"type":"text","text":"x"}`)
	okMeta.Metadata = json.RawMessage(`{"model":"m"}`)

	cases := []struct {
		name string
		m    Message
		want string // "" = valid
	}{
		{"valid mix", msg("assistant",
			`{"type":"step-start"}`,
			`{"type":"reasoning","text":"r","state":"done"}`,
			`{"type":"text","text":"t","state":"streaming","providerMetadata":{}}`,
			`{"type":"file","mediaType":"image/png","url":"https://x","filename":"a.png"}`,
			`{"type":"source-url","sourceId":"s","url":"https://x","title":"T"}`,
			`{"type":"tool-gen","toolCallId":"c","state":"input-streaming"}`,
			`{"type":"tool-gen","toolCallId":"c","state":"output-available","input":{},"output":{}}`,
			`{"type":"tool-gen","toolCallId":"c","state":"output-error","errorText":""}`,
			`{"type":"data-progress","id":"d","data":0}`), ""},
		{"empty assistant", msg("assistant"), ""},
		{"metadata object", okMeta, ""},
		{"exactly MaxParts", atMax, ""},
		{"bad id", badID, "id must be 1-64 characters of A-Z a-z 0-9 _ -"},
		{"bad role", msg("data", `{"type":"text","text":"x"}`), "role must be one of user, assistant, system"},
		{"empty user", msg("user"), "parts must not be empty for user and system messages"},
		{"empty system", msg("system"), "parts must not be empty for user and system messages"},
		{"too many parts", long, "parts must have at most 1000 parts"},
		{"metadata not object", badMeta, "metadata must be an object"},
		{"part not object", msg("user", `"hi"`), "parts[0] must be an object"},
		{"part null", msg("user", `null`), "parts[0] must be an object"},
		{"type missing", msg("user", `{"text":"x"}`), "parts[0].type is required"},
		{"type not string", msg("user", `{"type":1}`), "parts[0].type must be a string"},
		{"unknown type", msg("user", `{"type":"text","text":"x"}`, `{"type":"image"}`),
			`parts[1].type must be one of text, reasoning, step-start, file, source-url, tool-<name>, data-<name> (got "image")`},
		{"text missing", msg("user", `{"type":"text"}`), "parts[0].text is required"},
		{"text null", msg("user", `{"type":"text","text":null}`), "parts[0].text is required"},
		{"text not string", msg("user", `{"type":"text","text":1}`), "parts[0].text must be a string"},
		{"text bad state", msg("user", `{"type":"text","text":"x","state":"final"}`), "parts[0].state must be one of streaming, done"},
		{"reasoning missing text", msg("assistant", `{"type":"reasoning","reasoning":"r"}`), "parts[0].text is required"},
		{"file mediaType", msg("user", `{"type":"file","url":"u"}`), "parts[0].mediaType is required"},
		{"file url", msg("user", `{"type":"file","mediaType":"image/png"}`), "parts[0].url is required"},
		{"file filename type", msg("user", `{"type":"file","mediaType":"m","url":"u","filename":3}`), "parts[0].filename must be a string"},
		{"source sourceId", msg("assistant", `{"type":"source-url","url":"u"}`), "parts[0].sourceId is required"},
		{"source url", msg("assistant", `{"type":"source-url","sourceId":"s"}`), "parts[0].url is required"},
		{"tool no name", msg("assistant", `{"type":"tool-","toolCallId":"c","state":"input-available"}`), `parts[0].type "tool-" must be followed by a tool name`},
		{"tool-invocation reserved", msg("assistant", `{"type":"tool-invocation","toolCallId":"c","state":"input-available"}`), `parts[0].type "tool-invocation" is the AI SDK v4 tool part type`},
		{"toolCallId missing", msg("assistant", `{"type":"text","text":""}`, `{"type":"text","text":""}`, `{"type":"tool-gen","state":"call"}`), "parts[2].toolCallId is required"},
		{"toolCallId empty", msg("assistant", `{"type":"tool-gen","toolCallId":"","state":"input-available"}`), "parts[0].toolCallId must not be empty"},
		{"tool state missing", msg("assistant", `{"type":"tool-gen","toolCallId":"c"}`), "parts[0].state is required"},
		{"tool v4 state", msg("assistant", `{"type":"tool-gen","toolCallId":"c","state":"result"}`),
			"parts[0].state must be one of input-streaming, input-available, output-available, output-error"},
		{"errorText missing", msg("assistant", `{"type":"tool-gen","toolCallId":"c","state":"output-error"}`), "parts[0].errorText is required"},
		{"data no name", msg("assistant", `{"type":"data-","data":1}`), `parts[0].type "data-" must be followed by a name`},
		{"data missing", msg("assistant", `{"type":"data-x"}`), "parts[0].data is required"},
		{"data id type", msg("assistant", `{"type":"data-x","data":1,"id":2}`), "parts[0].id must be a string"},
		{"v4 args", msg("assistant", `{"type":"tool-gen","toolCallId":"c","state":"input-available","args":{}}`), "parts[0].args is an AI SDK v4 field"},
		{"v4 result", msg("assistant", `{"type":"data-x","data":1,"result":1}`), "parts[0].result is an AI SDK v4 field"},
		{"v4 reasoning details", msg("assistant", `{"type":"reasoning","text":"r","reasoning":"r","details":[]}`), "parts[0].details is an AI SDK v4 field"},
		{"text NUL", msg("user", `{"type":"text","text":"a\u0000b"}`), "parts[0].text must not contain NUL characters"},
		{"text invalid UTF-8", msg("user", "{\"type\":\"text\",\"text\":\"a\xffb\"}"), "parts[0].text must be valid UTF-8"},
		{"tool prompt NUL", msg("assistant", `{"type":"tool-gen","toolCallId":"c","state":"input-available","input":{"prompt":"cat\u0000"}}`), "parts[0].input.prompt must not contain NUL characters"},
		{"tool prompt invalid UTF-8", msg("assistant", "{\"type\":\"tool-gen\",\"toolCallId\":\"c\",\"state\":\"input-available\",\"input\":{\"prompt\":\"\xff\"}}"), "parts[0].input.prompt must be valid UTF-8"},
		{"metadata NUL", Message{ID: "a", Role: "assistant", Metadata: json.RawMessage(`{"k":["\u0000"]}`)}, "metadata.k[0] must not contain NUL characters"},
		{"file javascript", msg("user", `{"type":"file","mediaType":"text/html","url":"javascript:alert(1)"}`), "parts[0].url must be an http(s) URL, a data: image URL or a /files/ URL"},
		{"file file://", msg("user", `{"type":"file","mediaType":"image/png","url":"file:///etc/passwd"}`), "parts[0].url must be an http(s) URL, a data: image URL or a /files/ URL"},
		{"file data html", msg("user", `{"type":"file","mediaType":"text/html","url":"data:text/html,<b>"}`), "parts[0].url must be an http(s) URL, a data: image URL or a /files/ URL"},
		{"v4 file data", msg("assistant", `{"type":"file","mediaType":"m","url":"https://x/u","mimeType":"m","data":"d"}`), "parts[0].mimeType is an AI SDK v4 field"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := c.m.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want *ValidationError %q", err, c.want)
			}
			if err.Error() != c.want || ve.Field+" "+ve.Reason != c.want || strings.Contains(ve.Field, " ") {
				t.Fatalf("err = %q (Field %q), want %q", err, ve.Field, c.want)
			}
		})
	}
}

func TestValidID(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]bool{
		"a": true, "A-z_09": true, strings.Repeat("x", 64): true,
		"": false, strings.Repeat("x", 65): false, "a b": false, "a.b": false, "é": false, "a/b": false,
	} {
		if got := ValidID(id); got != want {
			t.Errorf("ValidID(%q) = %v, want %v", id, got, want)
		}
	}
}

// Whatever Validate accepts must be re-read as v5 and unchanged, or stored
// messages would be "converted" on their next read.
func TestValidMessagesRoundTrip(t *testing.T) {
	t.Parallel()
	m := msg("assistant",
		`{"type":"reasoning","text":"r"}`,
		`{"type":"tool-gen","toolCallId":"c","state":"output-available","input":{},"output":{"images":[]}}`,
		`{"type":"file","mediaType":"m","url":"https://x/u"}`)
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	out := mustJSON(t, m)
	p, wasV4, err := Parse([]byte(out))
	if err != nil || wasV4 || mustJSON(t, p) != out {
		t.Fatalf("Parse(%s) = %s wasV4=%v err=%v", out, mustJSON(t, p), wasV4, err)
	}
}
