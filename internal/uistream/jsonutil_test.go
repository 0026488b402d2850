package uistream

import "testing"

func TestParsePartialJSON(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{``, ``},
		{`{`, `{}`},
		{`{"`, `{}`},
		{`{"pro`, `{}`},
		{`{"prompt"`, `{}`},
		{`{"prompt":`, `{}`},
		{`{"prompt": "`, `{"prompt":""}`},
		{`{"prompt": "a c`, `{"prompt":"a c"}`},
		{`{"prompt": "a \"q`, `{"prompt":"a \"q"}`},
		{`{"prompt": "a \`, `{"prompt":"a "}`},
		{`{"prompt": "caf\u00`, `{"prompt":"caf"}`},
		{`{"prompt": "caf\u00e9`, `{"prompt":"caf\u00e9"}`},
		{`{"a": 1`, `{"a":1}`},
		{`{"a": 12.`, `{"a":12}`},
		{`{"a": 12.5e`, `{"a":12.5}`},
		{`{"a": -`, `{}`},
		{`{"a": 1,`, `{"a":1}`},
		{`{"a": 1, "b`, `{"a":1}`},
		{`{"a": tr`, `{"a":true}`},
		{`{"a": nu`, `{"a":null}`},
		{`{"a": f`, `{"a":false}`},
		{`{"a": true, "b": [1, 2`, `{"a":true,"b":[1,2]}`},
		{`{"a": [{"b": "c`, `{"a":[{"b":"c"}]}`},
		{`{"a": [{"b": "c"}, {`, `{"a":[{"b":"c"},{}]}`},
		{`[1, "x`, `[1,"x"]`},
		{`"abc`, `"abc"`},
		{`{"a": {"b": 1}}`, `{"a":{"b":1}}`},
		{`{"a": tx`, ``}, // not a prefix of JSON: nothing usable
		{`}`, ``},
	}
	for _, tt := range tests {
		got := string(parsePartialJSON(tt.in))
		if got != tt.want {
			t.Errorf("parsePartialJSON(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMergeObjects(t *testing.T) {
	t.Parallel()
	tests := []struct{ base, over, want string }{
		{`{"a":1}`, `{"b":2}`, `{"a":1,"b":2}`},
		{`{"a":1,"b":2}`, `{"a":3}`, `{"a":3,"b":2}`},
		{`{"u":{"in":1,"x":[1]}}`, `{"u":{"out":2,"x":[2]}}`, `{"u":{"in":1,"x":[2],"out":2}}`},
		{`{"u":{"in":1}}`, `{"u":5}`, `{"u":5}`},
		{`{"u":5}`, `{"u":{"a":1}}`, `{"u":{"a":1}}`},
		{`{"u":{"a":1}}`, `{"u":null}`, `{"u":null}`},
		{`{"a":1,"a":2}`, `{}`, `{"a":2}`},
	}
	for _, tt := range tests {
		if got := string(mergeObjects(raw(tt.base), raw(tt.over))); got != tt.want {
			t.Errorf("merge(%s, %s) = %s, want %s", tt.base, tt.over, got, tt.want)
		}
	}
}
