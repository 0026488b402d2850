package uistream

import (
	"bytes"
	"encoding/json"
)

// field is one key of a JSON object, kept in document order so merged
// metadata keeps the key order the client would show.
type field struct {
	key string
	val json.RawMessage
}

// objectFields decodes a JSON object into its fields in order; ok is false
// when raw is not an object. A repeated key keeps its first position and
// its last value, as JSON.parse does.
func objectFields(raw json.RawMessage) (fs []field, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		fs = setField(fs, key, v)
	}
	return fs, true
}

func setField(fs []field, key string, v json.RawMessage) []field {
	for i := range fs {
		if fs[i].key == key {
			fs[i].val = v
			return fs
		}
	}
	return append(fs, field{key, v})
}

func encodeFields(fs []field) json.RawMessage {
	b := []byte{'{'}
	for i, f := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		k, _ := marshal(f.key)
		b = append(b, k...)
		b = append(b, ':')
		b = append(b, f.val...)
	}
	return append(b, '}')
}

// mergeObjects deep-merges over into base like the AI SDK's mergeObjects:
// nested objects merge key by key, anything else (arrays, scalars, null)
// replaces. When base is not an object, over replaces it.
func mergeObjects(base, over json.RawMessage) json.RawMessage {
	bf, ok := objectFields(base)
	if !ok {
		return over
	}
	of, ok := objectFields(over)
	if !ok {
		return over
	}
	for _, f := range of {
		v := f.val
		if old := fieldValue(bf, f.key); old != nil && isObject(old) && isObject(v) {
			v = mergeObjects(old, v)
		}
		bf = setField(bf, f.key, v)
	}
	return encodeFields(bf)
}

func fieldValue(fs []field, key string) json.RawMessage {
	for _, f := range fs {
		if f.key == key {
			return f.val
		}
	}
	return nil
}

func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	return len(raw) > 0 && raw[0] == '{'
}

// parsePartialJSON reads the input text of a tool call that is still being
// streamed, as the client does: the text itself when it is complete JSON,
// else its longest prefix that can be closed into valid JSON (an open string
// is kept and closed, a dangling key, comma or half-written number part is
// dropped, a half-written literal is completed). nil means nothing usable,
// in which case the client leaves input undefined.
func parsePartialJSON(text string) json.RawMessage {
	if text == "" {
		return nil
	}
	if json.Valid([]byte(text)) {
		return compact(text)
	}
	fixed, ok := closePartialJSON(text)
	if !ok || !json.Valid([]byte(fixed)) {
		return nil
	}
	return compact(fixed)
}

func compact(s string) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, []byte(s)) != nil {
		return nil
	}
	return b.Bytes()
}

// closePartialJSON scans a truncated JSON text and remembers the last
// position where the text so far, plus closing characters, is valid JSON;
// it returns that prefix with its closing characters. The scan assumes the
// text is a prefix of valid JSON: anything else comes out invalid and is
// rejected by the caller's json.Valid.
func closePartialJSON(s string) (string, bool) {
	var (
		stack   []byte // expected closers: '}' or ']'
		cut     = -1   // end of the best prefix
		closing string // what closes the best prefix
		inStr   bool
		isKey   bool // the open string is an object key
		escape  int  // 0 none, 1 after '\', 2..5 inside \uXXXX
		lit     string
		litPos  int
		inNum   bool
		wantKey []bool // per open object: next string is a key
	)
	closers := func() string {
		b := make([]byte, 0, len(stack))
		for i := len(stack) - 1; i >= 0; i-- {
			b = append(b, stack[i])
		}
		return string(b)
	}
	mark := func(i int, extra string) { cut, closing = i+1, extra+closers() }
	valueDone := func(i int) { mark(i, "") }
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case inStr:
			switch {
			case escape == 1 && ch == 'u':
				escape = 2
			case escape >= 2:
				if escape++; escape == 6 {
					escape = 0
				}
			case escape == 1:
				escape = 0
			case ch == '\\':
				escape = 1
			case ch == '"':
				inStr = false
				if isKey {
					// A key alone is not a value, so no new cut; the next
					// string in this object is its value.
					wantKey[len(wantKey)-1] = false
					continue
				}
				valueDone(i)
				continue
			}
			if escape == 0 && !isKey {
				mark(i, `"`)
			}
			continue
		case lit != "":
			litPos++
			if litPos < len(lit) && ch == lit[litPos] {
				if litPos == len(lit)-1 {
					lit = ""
					valueDone(i)
				} else {
					mark(i, lit[litPos+1:])
				}
				continue
			}
			return "", false
		case inNum:
			if ch >= '0' && ch <= '9' {
				mark(i, "")
				continue
			}
			if ch == '.' || ch == 'e' || ch == 'E' || ch == '+' || ch == '-' {
				continue
			}
			inNum = false
			valueDone(cut - 1) // the number ended at the last digit
		}
		switch ch {
		case ' ', '\t', '\r', '\n', ',', ':':
			// Separators never end a usable prefix; a comma re-arms the key.
			if ch == ',' && len(stack) > 0 && stack[len(stack)-1] == '}' {
				wantKey[len(wantKey)-1] = true
			}
		case '{':
			stack = append(stack, '}')
			wantKey = append(wantKey, true)
			mark(i, "")
		case '[':
			stack = append(stack, ']')
			mark(i, "")
		case '}', ']':
			if len(stack) == 0 || stack[len(stack)-1] != ch {
				return "", false
			}
			if ch == '}' {
				wantKey = wantKey[:len(wantKey)-1]
			}
			stack = stack[:len(stack)-1]
			valueDone(i)
		case '"':
			inStr = true
			isKey = len(stack) > 0 && stack[len(stack)-1] == '}' && wantKey[len(wantKey)-1]
			if !isKey {
				mark(i, `"`)
			}
		case 't', 'f', 'n':
			lit, litPos = map[byte]string{'t': "true", 'f': "false", 'n': "null"}[ch], 0
			mark(i, lit[1:])
		default:
			if ch == '-' || ch >= '0' && ch <= '9' {
				inNum = true
				if ch != '-' {
					mark(i, "")
				}
				continue
			}
			return "", false
		}
	}
	if cut < 0 {
		return "", false
	}
	return s[:cut] + closing, true
}
