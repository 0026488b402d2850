package textcheck

import (
	"encoding/json"
	"testing"
)

func TestJSON(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, path, reason string
		key              bool
	}{
		{`{"nickname":"ok"}`, "", "", false},
		{`{"nickname":"a\u0000b"}`, "nickname", ReasonNUL, false},
		{"{\"nickname\":\"a\xffb\"}", "nickname", ReasonUTF8, false},
		{`{"a":{"b":[1,"x",{"c":"\u0000"}]}}`, "a.b[2].c", ReasonNUL, false},
		{`{"a":[[],["\u0000"]]}`, "a[1][0]", ReasonNUL, false},
		{`{"a":1,"b":true,"c":null,"d":"\ud800"}`, "d", ReasonUnicode, false},
		{`{"d":"\udc00x"}`, "d", ReasonUnicode, false},
		{`{"d":"\ud83d\ude00 fine"}`, "", "", false},
		{`{"d":"\\u0000 is text"}`, "", "", false},
		{`{"d":"\\\u0000"}`, "d", ReasonNUL, false},
		{`{"o":{"k\u0000":1}}`, "o", ReasonNUL, true},
		{`"\u0000"`, "", ReasonNUL, false},
		{`["ok","\u0000"]`, "[1]", ReasonNUL, false},
		{`{"a":"\u0000"`, "a", ReasonNUL, false}, // truncated after the bad string: still found
		{`{"a":}` + "\xff", "", "", false},       // syntax errors are the decoder's
		{`{"u":"\uFFFD real replacement char"}`, "", "", false},
	} {
		p := JSON([]byte(c.in))
		if c.reason == "" {
			if p != nil {
				t.Errorf("%q: got %+v, want nil", c.in, p)
			}
			continue
		}
		if p == nil || p.Path != c.path || p.Reason != c.reason || p.Key != c.key {
			t.Errorf("%q: got %+v, want path %q reason %q key %v", c.in, p, c.path, c.reason, c.key)
		}
	}
}

func TestString(t *testing.T) {
	t.Parallel()
	if String("fine ü") != "" || String("a\x00") != ReasonNUL || String("a\xff") != ReasonUTF8 {
		t.Fatal("String misclassifies")
	}
}

// FuzzJSON checks JSON against a decode of the same text: whenever the
// text decodes, a nil result means every decoded string is clean and a
// problem means the text had something to find.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":"\u0000"}`, "{\"a\":\"\xff\"}", `["\ud800"]`, `{"k\u0000":[1]}`, `"\\u0000"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		p := JSON(raw)
		var v any
		if json.Unmarshal(raw, &v) != nil {
			return
		}
		if p == nil && hasNUL(v) {
			t.Fatalf("%q decodes to a NUL but JSON found nothing", raw)
		}
	})
}

func hasNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return String(x) == ReasonNUL
	case []any:
		for _, e := range x {
			if hasNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if String(k) == ReasonNUL || hasNUL(e) {
				return true
			}
		}
	}
	return false
}
