package uimsg

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// convertCases has one or more rows per line of the v4→v5 table, as input
// JSON and the exact expected JSON of the converted Message.
var convertCases = []struct {
	name, in, want string
}{
	{"top-level reasoning goes first",
		`{"id":"m1","role":"assistant","content":"answer","reasoning":"think"}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"reasoning","text":"think"},{"type":"text","text":"answer"}]}`},
	{"top-level reasoning is dropped when a reasoning part exists",
		`{"id":"m1","role":"assistant","reasoning":"r","parts":[{"type":"reasoning","reasoning":"r","details":[]}]}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"reasoning","text":"r"}]}`},
	{"toolInvocations result, then content",
		`{"id":"m1","role":"assistant","content":"done","toolInvocations":[{"state":"result","step":0,"toolCallId":"c1","toolName":"gen","args":{"p":"cat"},"result":{"images":[{"imageId":"i1"}]}}]}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"tool-gen","toolCallId":"c1","state":"output-available","input":{"p":"cat"},"output":{"images":[{"imageId":"i1"}]}},{"type":"text","text":"done"}]}`},
	{"tool-invocation part",
		`{"id":"m1","role":"assistant","content":"","parts":[{"type":"step-start"},{"type":"tool-invocation","toolInvocation":{"state":"result","step":1,"toolCallId":"c1","toolName":"gen","args":{},"result":7}}]}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"step-start"},{"type":"tool-gen","toolCallId":"c1","state":"output-available","input":{},"output":7}]}`},
	{"flattened tool-invocation part",
		`{"id":"m1","role":"assistant","parts":[{"type":"tool-invocation","toolCallId":"c1","toolName":"gen","state":"result","args":{},"result":"ok"}]}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"tool-gen","toolCallId":"c1","state":"output-available","input":{},"output":"ok"}]}`},
	{"partial-call is interrupted",
		`{"id":"m1","role":"assistant","content":"","toolInvocations":[{"state":"partial-call","toolCallId":"c1","toolName":"gen","args":{"p":"ca"}}]}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"tool-gen","toolCallId":"c1","state":"output-error","input":{"p":"ca"},"errorText":"interrupted"}]}`},
	{"call is interrupted",
		`{"id":"m1","role":"assistant","parts":[{"type":"tool-invocation","toolInvocation":{"state":"call","toolCallId":"c1","toolName":"gen","args":{"p":"cat"}}}]}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"tool-gen","toolCallId":"c1","state":"output-error","input":{"p":"cat"},"errorText":"interrupted"}]}`},
	{"result state without result is interrupted",
		`{"id":"m1","role":"assistant","toolInvocations":[{"state":"result","toolCallId":"c1","toolName":"gen","args":{},"result":null}]}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"tool-gen","toolCallId":"c1","state":"output-error","input":{},"errorText":"interrupted"}]}`},
	{"tool calls without name or id, or named invocation, are dropped",
		`{"id":"m1","role":"assistant","content":"x","toolInvocations":[{"state":"result","toolName":"gen","result":1},{"state":"result","toolCallId":"c","result":1},{"state":"result","toolCallId":"c","toolName":"invocation","result":1},"junk"]}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"text","text":"x"}]}`},
	{"v4.2 row: toolInvocations duplicate parts, parts win",
		`{"id":"m1","role":"assistant","content":"done","parts":[{"type":"tool-invocation","toolInvocation":{"state":"result","toolCallId":"c1","toolName":"gen","args":{},"result":1}},{"type":"text","text":"done"}],"toolInvocations":[{"state":"result","toolCallId":"c1","toolName":"gen","args":{},"result":1},{"state":"result","toolCallId":"c2","toolName":"gen","args":{},"result":2}]}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"tool-gen","toolCallId":"c1","state":"output-available","input":{},"output":1},{"type":"text","text":"done"},{"type":"tool-gen","toolCallId":"c2","state":"output-available","input":{},"output":2}]}`},
	{"v5 tool part with args inside a v4 row",
		`{"id":"m1","role":"assistant","parts":[{"type":"tool-gen","toolCallId":"c1","state":"call","args":{"a":1}},{"type":"tool-gen","toolCallId":"c2","state":"output-error","errorText":""}]}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"tool-gen","toolCallId":"c1","state":"output-error","input":{"a":1},"errorText":"interrupted"},{"type":"tool-gen","toolCallId":"c2","state":"output-error","errorText":""}]}`},
	{"content string without parts",
		`{"id":"m1","role":"user","content":"hello","createdAt":"2024-05-01T10:00:00.000Z"}`,
		`{"id":"m1","role":"user","parts":[{"type":"text","text":"hello"}],"createdAt":"2024-05-01T10:00:00.000Z"}`},
	{"parts win over content",
		`{"id":"m1","role":"user","content":"hello world","parts":[{"type":"text","text":"hello"},{"type":"text","text":"world"}],"experimental_attachments":[]}`,
		`{"id":"m1","role":"user","parts":[{"type":"text","text":"hello"},{"type":"text","text":"world"}]}`},
	{"content appended when parts have no text",
		`{"id":"m1","role":"assistant","content":"caption","parts":[{"type":"step-start"},{"type":"reasoning","reasoning":"r","details":[{"type":"text","text":"r"}]}]}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"step-start"},{"type":"reasoning","text":"r"},{"type":"text","text":"caption"}]}`},
	{"reasoning part",
		`{"id":"m1","role":"assistant","parts":[{"type":"reasoning","reasoning":"because","details":[{"type":"text","text":"because","signature":"s"}]},{"type":"text","text":"so"}]}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"reasoning","text":"because"},{"type":"text","text":"so"}]}`},
	{"source part",
		`{"id":"m1","role":"assistant","parts":[{"type":"source","source":{"sourceType":"url","id":"s1","url":"https://e.com","title":"E","providerMetadata":{}}},{"type":"source","source":{"id":"s2","url":"https://f.com"}},{"type":"source","source":{"url":"https://g.com"}}]}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"source-url","sourceId":"s1","url":"https://e.com","title":"E"},{"type":"source-url","sourceId":"s2","url":"https://f.com"}]}`},
	{"file part: raw base64 becomes a data URL",
		`{"id":"m1","role":"assistant","parts":[{"type":"file","mimeType":"image/png","data":"iVBORw0KGgo="}]}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"file","mediaType":"image/png","url":"data:image/png;base64,iVBORw0KGgo="}]}`},
	{"file part: data and http URLs are kept",
		`{"id":"m1","role":"assistant","parts":[{"type":"file","mimeType":"image/png","data":"data:image/png;base64,AAAA"},{"type":"file","mimeType":"image/jpeg","data":"https://cdn/x.jpg"},{"type":"file","data":"data:image/gif;base64,R0"},{"type":"file","data":"AAAA"},{"type":"file","mimeType":"image/png"}]}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"file","mediaType":"image/png","url":"data:image/png;base64,AAAA"},{"type":"file","mediaType":"image/jpeg","url":"https://cdn/x.jpg"},{"type":"file","mediaType":"image/gif","url":"data:image/gif;base64,R0"}]}`},
	{"file parts and attachments with refused URLs are dropped",
		`{"id":"m1","role":"user","content":"look","parts":[{"type":"text","text":"look"},{"type":"file","mimeType":"text/html","data":"javascript:alert(1)"},{"type":"file","mediaType":"image/png","url":"file:///etc/passwd"}],"experimental_attachments":[{"contentType":"text/html","url":"javascript:alert(1)"},{"contentType":"text/html","url":"data:text/html,<b>"},{"contentType":"image/png","url":"/files/ab/x.png?exp=1&sig=s"}]}`,
		`{"id":"m1","role":"user","parts":[{"type":"file","mediaType":"image/png","url":"/files/ab/x.png?exp=1\u0026sig=s"},{"type":"text","text":"look"}]}`},
	{"ai@4.3 user row: content, parts and attachments",
		`{"id":"m1","role":"user","content":"what is this","createdAt":"2025-01-01T00:00:00.000Z","experimental_attachments":[{"name":"a.jpg","contentType":"image/jpeg","url":"https://cdn/a.jpg"}],"parts":[{"type":"text","text":"what is this"}]}`,
		`{"id":"m1","role":"user","parts":[{"type":"file","mediaType":"image/jpeg","url":"https://cdn/a.jpg","filename":"a.jpg"},{"type":"text","text":"what is this"}],"createdAt":"2025-01-01T00:00:00.000Z"}`},
	{"stored NUL and invalid UTF-8 are read as U+FFFD",
		"{\"id\":\"m1\",\"role\":\"user\",\"content\":\"a\\u0000b\\ud800\xff\"}",
		"{\"id\":\"m1\",\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\"a\ufffdb\ufffd\ufffd\"}]}"},
	{"experimental_attachments become files before the text",
		`{"id":"m1","role":"user","content":"look","experimental_attachments":[{"name":"cat.png","contentType":"image/png","url":"https://cdn/cat.png"},{"url":"data:image/webp;base64,UklG"},{"name":"nourl"}]}`,
		`{"id":"m1","role":"user","parts":[{"type":"file","mediaType":"image/png","url":"https://cdn/cat.png","filename":"cat.png"},{"type":"file","mediaType":"image/webp","url":"data:image/webp;base64,UklG"},{"type":"text","text":"look"}]}`},
	{"attachments in a v4.2 row go before the first text part",
		`{"id":"m1","role":"user","content":"look","parts":[{"type":"step-start"},{"type":"text","text":"look"}],"experimental_attachments":[{"contentType":"image/png","url":"https://cdn/cat.png"}]}`,
		`{"id":"m1","role":"user","parts":[{"type":"step-start"},{"type":"file","mediaType":"image/png","url":"https://cdn/cat.png"},{"type":"text","text":"look"}]}`},
	{"role data with data",
		`{"id":"m1","role":"data","content":"","data":{"progress":0.5},"createdAt":"2024-05-01T10:00:00.000Z"}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"data-custom","data":{"progress":0.5}}],"createdAt":"2024-05-01T10:00:00.000Z"}`},
	{"role data with content only",
		`{"id":"m1","role":"data","content":"{\"a\":1}"}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"data-custom","data":"{\"a\":1}"}]}`},
	{"role data with neither",
		`{"id":"m1","role":"data"}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"data-custom","data":""}]}`},
	{"step and other v4-only fields are dropped",
		`{"id":"m1","role":"assistant","content":"x","annotations":[1],"revisionId":"r","toolInvocations":[{"state":"result","step":3,"toolCallId":"c","toolName":"t","args":{},"result":true}],"parts":null}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"tool-t","toolCallId":"c","state":"output-available","input":{},"output":true},{"type":"text","text":"x"}]}`},
	{"metadata and createdAt carry over, compacted",
		`{"id":"m1","role":"assistant","content":"x","metadata":{ "model" : "m" },"createdAt":1714557600000}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"text","text":"x"}],"metadata":{"model":"m"},"createdAt":1714557600000}`},
	{"non-object metadata and null createdAt are dropped",
		`{"id":"m1","role":"assistant","content":"x","metadata":"m","createdAt":null}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"text","text":"x"}]}`},
	{"v5 parts inside a v4 row carry over",
		`{"id":"m1","role":"assistant","content":"","toolInvocations":[],"parts":[{"type":"text","text":"a","state":"done"},{"type":"source-url","sourceId":"s","url":"u"},{"type":"data-x","id":"d","data":[1]},{"type":"file","mediaType":"text/plain","url":"https://x/f","filename":"f"},{"type":"data-y","data":null},{"type":"nope"},1]}`,
		`{"id":"m1","role":"assistant","parts":[{"type":"text","text":"a"},{"type":"source-url","sourceId":"s","url":"u"},{"type":"data-x","id":"d","data":[1]},{"type":"file","mediaType":"text/plain","url":"https://x/f","filename":"f"}]}`},
	{"empty user message gets an empty text part",
		`{"id":"m1","role":"user","content":""}`,
		`{"id":"m1","role":"user","parts":[{"type":"text","text":""}]}`},
	{"empty assistant message stays empty",
		`{"id":"m1","role":"assistant","content":""}`,
		`{"id":"m1","role":"assistant","parts":[]}`},
	{"bad id and role are kept for Validate to report",
		`{"id":7,"role":"tool","content":"x"}`,
		`{"id":"","role":"tool","parts":[{"type":"text","text":"x"}]}`},
	{"HTML is escaped like json.Marshal",
		`{"id":"m1","role":"user","content":"<b>&</b>"}`,
		`{"id":"m1","role":"user","parts":[{"type":"text","text":"\u003cb\u003e\u0026\u003c/b\u003e"}]}`},
}

func mustJSON(t *testing.T, m Message) string {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestConvertV4(t *testing.T) {
	t.Parallel()
	for _, c := range convertCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m, err := ConvertV4([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := mustJSON(t, m); got != c.want {
				t.Fatalf("ConvertV4\n got  %s\n want %s", got, c.want)
			}
			// Parse must agree with ConvertV4 on every v4 row.
			p, wasV4, err := Parse([]byte(c.in))
			if err != nil || !wasV4 || !reflect.DeepEqual(p, m) {
				t.Fatalf("Parse = %s, wasV4=%v, err=%v", mustJSON(t, p), wasV4, err)
			}
		})
	}
}

// Converting the JSON of a converted message again is a no-op: it is no
// longer v4 and Parse returns it unchanged.
func TestConvertIdempotent(t *testing.T) {
	t.Parallel()
	for _, c := range convertCases {
		m, _ := ConvertV4([]byte(c.in))
		out := mustJSON(t, m)
		if IsV4([]byte(out)) {
			t.Errorf("%s: output is still v4: %s", c.name, out)
		}
		p, wasV4, err := Parse([]byte(out))
		if err != nil || wasV4 || !reflect.DeepEqual(p, m) {
			t.Errorf("%s: Parse(output) = %s wasV4=%v err=%v, want %s", c.name, mustJSON(t, p), wasV4, err, out)
		}
	}
}

// The state row of the table, before finishing turns pending calls into
// errors.
func TestV5State(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"partial-call": "input-streaming", "call": "input-available", "result": "output-available",
		"output-error": "output-error", "bogus": "", "": "",
	} {
		if got := v5State(in); got != want {
			t.Errorf("v5State(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConvertV4RejectsNonObjects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{``, `null`, `[]`, `"x"`, `1`, `{`} {
		_, err := ConvertV4([]byte(in))
		var ve *ValidationError
		if !errors.As(err, &ve) || err.Error() != "message must be a JSON object" {
			t.Errorf("ConvertV4(%q) err = %v", in, err)
		}
		if _, _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) succeeded", in)
		}
	}
}
