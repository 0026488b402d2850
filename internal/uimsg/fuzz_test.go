package uimsg

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func addSeeds(f *testing.F) {
	for _, c := range detectCases {
		f.Add([]byte(c.in))
	}
	for _, c := range convertCases {
		f.Add([]byte(c.in))
		f.Add([]byte(c.want))
	}
	// Inputs the mutator is slow to build: huge numbers, invalid UTF-8,
	// duplicate keys, whitespace around values.
	f.Add([]byte(`{"id":"a","role":"user","content":"x","n":1e400,"toolInvocations":[{"toolCallId":"c","toolName":"t","state":"result","args":{"n":1e400},"result":-0.0e-999}]}`))
	f.Add([]byte("{\"id\":\"a\",\"role\":\"user\",\"content\":\"\xff\xfe<\u2028>\",\"toolInvocations\":[{\"toolCallId\":\"\xff\",\"toolName\":\"\xff\",\"state\":\"result\",\"result\":\"\xff\"}]}"))
	f.Add([]byte(`{"id":"a","id":"b","role":"data","role":"user","content":"x","parts":[],"parts":null}`))
	f.Add([]byte(` { "id" : "a" , "role" : "assistant" , "metadata" : { "a" : [ 1 , 2 ] } , "content" : " " } `))
}

// inputIDRole decodes id and role independently of the package's helpers,
// so the fuzz property does not trust the code under test to say what the
// input contained.
func inputIDRole(raw []byte) (id, role string) {
	// RawMessage values first: decoding the whole input into any would
	// fail on numbers like 1e400 that the package legitimately accepts.
	var o map[string]json.RawMessage
	_ = json.Unmarshal(raw, &o)
	_ = json.Unmarshal(o["id"], &id)
	_ = json.Unmarshal(o["role"], &role)
	return id, role
}

// isObject reports whether raw is one valid JSON object.
func isObject(raw []byte) bool {
	t := bytes.TrimLeft(raw, " \t\r\n")
	return json.Valid(raw) && len(t) > 0 && t[0] == '{'
}

// FuzzConvertV4 asserts, for every input:
//
//  1. ConvertV4 and IsV4 never panic; non-objects give an error and IsV4
//     false.
//  2. For an object, the converted message marshals, is not v4 (IsV4 is
//     false on its JSON), and Parse of that JSON returns it unchanged.
//  3. Every converted part passes the part-shape checks of Validate.
//  4. The only way Validate can fail is inherited from the input: the id is
//     valid exactly when the input id was a valid string, the role is valid
//     exactly when the input role was user, assistant, system or data, and
//     after replacing an invalid id and an invalid role (with "assistant")
//     Validate returns nil, unless there are more than MaxParts parts,
//     which only an input with that many items can produce.
//  5. Tool parts are finished: output-available with an output, or
//     output-error with an errorText and no output.
func FuzzConvertV4(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		isV4 := IsV4(raw)
		m, err := ConvertV4(raw)
		if !isObject(raw) {
			if err == nil || isV4 {
				t.Fatalf("non-object %q: err=%v isV4=%v", raw, err, isV4)
			}
			return
		}
		if err != nil {
			t.Fatalf("object %q: %v", raw, err)
		}
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if IsV4(out) {
			t.Fatalf("converted message is still v4: %s", out)
		}
		p, wasV4, err := Parse(out)
		if err != nil || wasV4 || !reflect.DeepEqual(p, m) {
			t.Fatalf("Parse(%s) = %+v, %v, %v; want %+v", out, p, wasV4, err, m)
		}
		for i, part := range m.Parts {
			if err := validatePart(i, part); err != nil {
				t.Fatalf("%v in %s", err, out)
			}
			checkFinishedTool(t, part)
		}
		id, role := inputIDRole(raw)
		if ValidID(m.ID) != ValidID(id) {
			t.Fatalf("id %q became %q", id, m.ID)
		}
		roleIn := role == "user" || role == "assistant" || role == "system" || role == "data"
		patched := m
		if !ValidID(patched.ID) {
			patched.ID = "fuzz"
		}
		roleOut := m.Role == "user" || m.Role == "assistant" || m.Role == "system"
		if roleOut != roleIn {
			t.Fatalf("role %q became %q", role, m.Role)
		}
		if !roleIn {
			patched.Role = "assistant"
		}
		if len(patched.Parts) > MaxParts {
			return
		}
		if err := patched.Validate(); err != nil {
			t.Fatalf("%v in %s (from %s)", err, out, raw)
		}
	})
}

// FuzzParse asserts that Parse never panics and that whatever Parse returns
// and Validate accepts is re-read as v5 with the same JSON.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, _, err := Parse(raw)
		if err != nil || m.Validate() != nil {
			return
		}
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		p, wasV4, err := Parse(out)
		if err != nil || wasV4 {
			t.Fatalf("valid message re-read as v4 or failed: %s wasV4=%v err=%v", out, wasV4, err)
		}
		if again, _ := json.Marshal(p); string(again) != string(out) {
			t.Fatalf("round trip changed %s to %s", out, again)
		}
	})
}

func checkFinishedTool(t *testing.T, part json.RawMessage) {
	t.Helper()
	var p struct {
		Type      string          `json:"type"`
		State     string          `json:"state"`
		Output    json.RawMessage `json:"output"`
		ErrorText *string         `json:"errorText"`
	}
	if err := json.Unmarshal(part, &p); err != nil || len(p.Type) < 5 || p.Type[:5] != "tool-" {
		return
	}
	ok := p.State == "output-available" && p.Output != nil && p.ErrorText == nil ||
		p.State == "output-error" && p.Output == nil && p.ErrorText != nil
	if !ok {
		t.Fatalf("unfinished or inconsistent tool part %s", part)
	}
}
