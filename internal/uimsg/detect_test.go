package uimsg

import "testing"

// detectCases covers every detection rule with a positive case and the
// near misses that must stay v5. The fuzz test seeds from these too.
var detectCases = []struct {
	name string
	in   string
	want bool
}{
	// Positives, one per rule.
	{"content string, no parts", `{"id":"a","role":"user","content":"hi"}`, true},
	{"content string, parts null", `{"id":"a","role":"user","content":"hi","parts":null}`, true},
	{"toolInvocations", `{"id":"a","role":"assistant","parts":[],"toolInvocations":[]}`, true},
	{"toolInvocations null", `{"id":"a","role":"assistant","parts":[],"toolInvocations":null}`, true},
	{"tool-invocation part", `{"id":"a","role":"assistant","parts":[{"type":"tool-invocation","toolInvocation":{"toolCallId":"c","toolName":"t","state":"call","args":{}}}]}`, true},
	{"part with args", `{"id":"a","role":"assistant","parts":[{"type":"tool-t","toolCallId":"c","state":"input-available","args":{}}]}`, true},
	{"part with result", `{"id":"a","role":"assistant","parts":[{"type":"tool-t","toolCallId":"c","state":"output-available","result":1}]}`, true},
	{"reasoning part with reasoning+details", `{"id":"a","role":"assistant","parts":[{"type":"reasoning","reasoning":"r","details":[{"type":"text","text":"r"}]}]}`, true},
	{"file part with mimeType+data", `{"id":"a","role":"assistant","parts":[{"type":"file","mimeType":"image/png","data":"iVBO"}]}`, true},
	{"role data", `{"id":"a","role":"data","parts":[]}`, true},
	// Extensions (see IsV4): keys that exist only in v4.
	{"experimental_attachments", `{"id":"a","role":"user","content":"x","parts":[{"type":"text","text":"x"}],"experimental_attachments":[]}`, true},
	{"source part", `{"id":"a","role":"assistant","parts":[{"type":"source","source":{"id":"s","url":"u"}}]}`, true},
	{"top-level reasoning string", `{"id":"a","role":"assistant","parts":[{"type":"text","text":"x"}],"reasoning":"r"}`, true},

	// Negatives.
	{"v5 text", `{"id":"a","role":"user","parts":[{"type":"text","text":"hi"}]}`, false},
	{"v5 tool and file", `{"id":"a","role":"assistant","parts":[{"type":"tool-gen","toolCallId":"c","state":"output-available","input":{},"output":{}},{"type":"file","mediaType":"image/png","url":"https://x/y.png"}]}`, false},
	{"v5 empty parts", `{"id":"a","role":"assistant","parts":[]}`, false},
	{"v5 without parts", `{"id":"a","role":"assistant"}`, false},
	{"content with parts (ai@4.3 stores both, STREAMING.md §4)", `{"id":"a","role":"user","content":"hi","parts":[{"type":"text","text":"hi"}]}`, true},
	{"content not a string", `{"id":"a","role":"user","content":["hi"]}`, false},
	{"reasoning part without details", `{"id":"a","role":"assistant","parts":[{"type":"reasoning","text":"r","reasoning":"r"}]}`, false},
	{"file part mimeType without data", `{"id":"a","role":"assistant","parts":[{"type":"file","mimeType":"image/png","mediaType":"image/png","url":"u"}]}`, false},
	{"reasoning top-level not a string", `{"id":"a","role":"assistant","parts":[],"reasoning":{"x":1}}`, false},
	{"keys are case-sensitive", `{"id":"a","role":"Data","Content":"hi","ToolInvocations":[]}`, false},
	{"args inside nested output", `{"id":"a","role":"assistant","parts":[{"type":"tool-t","toolCallId":"c","state":"output-available","output":{"args":1,"result":2}}]}`, false},
	{"invalid JSON", `{"content":"hi"`, false},
	{"array", `[{"content":"hi"}]`, false},
	{"null", `null`, false},
	{"string", `"content"`, false},
	{"empty", ``, false},
}

func TestIsV4(t *testing.T) {
	t.Parallel()
	for _, c := range detectCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := IsV4([]byte(c.in)); got != c.want {
				t.Fatalf("IsV4(%s) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

// A v5 row is parsed as is, so detection decides whether parts survive
// byte-for-byte; this pins that for the negatives.
func TestParseKeepsV5PartsVerbatim(t *testing.T) {
	t.Parallel()
	in := `{"id":"a","role":"assistant","parts":[ {"type":"text", "text":"hi","extra":{"k":1}} ],"metadata":{"m":1}}`
	m, wasV4, err := Parse([]byte(in))
	if err != nil || wasV4 {
		t.Fatalf("Parse: wasV4=%v err=%v", wasV4, err)
	}
	if got := string(m.Parts[0]); got != `{"type":"text", "text":"hi","extra":{"k":1}}` {
		t.Fatalf("part = %s", got)
	}
	if string(m.Metadata) != `{"m":1}` {
		t.Fatalf("metadata = %s", m.Metadata)
	}
}

func TestV4Marker(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`{"id":"a","role":"user","parts":[{"type":"text","text":"x"}]}`:                                                   "",
		`{"id":"a","role":"user","content":"x","parts":[]}`:                                                               "content",
		`{"id":"a","role":"data"}`:                                                                                        "role",
		`{"id":"a","role":"user","experimental_attachments":[]}`:                                                          "experimental_attachments",
		`{"id":"a","role":"assistant","parts":[{"type":"text","text":"x"},{"type":"tool-x","toolCallId":"c","args":{}}]}`: "parts[1].args",
		`not json`: "",
	} {
		if got := V4Marker([]byte(in)); got != want {
			t.Errorf("V4Marker(%s) = %q, want %q", in, got, want)
		}
	}
}
