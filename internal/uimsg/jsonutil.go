package uimsg

import (
	"bytes"
	"encoding/json"
)

// object is a decoded JSON object. A map (not a struct) is used throughout
// because encoding/json matches struct fields case-insensitively, and the
// JavaScript clients that wrote these rows are case-sensitive: "Parts" is
// not "parts".
type object = map[string]json.RawMessage

// decodeObject decodes raw as a JSON object; ok is false for invalid JSON,
// null and non-object values.
func decodeObject(raw []byte) (object, bool) {
	var o object
	if err := json.Unmarshal(raw, &o); err != nil || o == nil {
		return nil, false
	}
	return o, true
}

func isNull(v json.RawMessage) bool {
	return string(bytes.TrimSpace(v)) == "null"
}

// has reports whether key is present at all, null included. Only detection
// uses it: a v5 row never carries a v4 key, so its mere presence (even null,
// as a Go serializer would write it) marks a v4 row.
func has(o object, key string) bool {
	_, ok := o[key]
	return ok
}

// value returns the key's raw value, or nil when absent or null.
func value(o object, key string) json.RawMessage {
	v, ok := o[key]
	if !ok || isNull(v) {
		return nil
	}
	return v
}

// getString returns the key's value when it is a JSON string. The explicit
// null check matters: json.Unmarshal accepts null into a string silently.
func getString(o object, key string) (string, bool) {
	v := value(o, key)
	if v == nil {
		return "", false
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return "", false
	}
	return s, true
}

func getArray(o object, key string) ([]json.RawMessage, bool) {
	v := value(o, key)
	if v == nil {
		return nil, false
	}
	var a []json.RawMessage
	if json.Unmarshal(v, &a) != nil {
		return nil, false
	}
	return a, true
}

func getObject(o object, key string) (object, bool) {
	v := value(o, key)
	if v == nil {
		return nil, false
	}
	return decodeObject(v)
}

// canon re-encodes a raw value compactly (and HTML-escaped, as json.Marshal
// does), so a converted message marshals to bytes that decode back to an
// identical Message. It returns nil for a nil input.
func canon(v json.RawMessage) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Unreachable for values cut out of an already-decoded document;
		// dropping beats emitting invalid JSON.
		return nil
	}
	return b
}

// encode marshals a part built by this package. The part types hold only
// strings and RawMessages taken from decoded input, which cannot fail to
// marshal; nil is returned (and the part dropped) if that ever changes.
func encode(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}
