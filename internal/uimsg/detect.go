package uimsg

import "strconv"

// IsV4 reports whether raw is a message stored by an AI SDK v4 client. It is
// false for invalid JSON and non-objects. A row is v4 when any of these hold
// (STREAMING.md §4):
//
//   - it has a "content" string, with or without "parts" (AI SDK 4.3
//     stores both);
//   - it has "toolInvocations" or "experimental_attachments";
//   - a part has type "tool-invocation", or an "args" or "result" key;
//   - a "reasoning" part has both "reasoning" and "details";
//   - a "file" part has both "mimeType" and "data";
//   - role is "data";
//   - it has a top-level "reasoning" string, or a part has type "source".
//
// The last rule goes beyond the written spec: an assistant message citing
// sources with no other v4 marker would otherwise keep parts v5 rejects.
// None of these exist in v5, so this cannot misclassify a v5 row.
func IsV4(raw []byte) bool {
	o, ok := decodeObject(raw)
	return ok && v4Field(o) != ""
}

// V4Marker names the first AI SDK v4 marker of a JSON message ("content",
// "parts[2].args" …), or returns "" when raw is not a v4 message. Request
// handlers use it to say which field made the message v4.
func V4Marker(raw []byte) string {
	o, ok := decodeObject(raw)
	if !ok {
		return ""
	}
	return v4Field(o)
}

func isV4(o object) bool { return v4Field(o) != "" }

// v4Field is V4Marker on a decoded object.
func v4Field(o object) string {
	if role, _ := getString(o, "role"); role == "data" {
		return "role"
	}
	for _, k := range []string{"toolInvocations", "experimental_attachments"} {
		if has(o, k) {
			return k
		}
	}
	if _, ok := getString(o, "reasoning"); ok {
		return "reasoning"
	}
	if _, ok := getString(o, "content"); ok {
		return "content"
	}
	parts, _ := getArray(o, "parts")
	for i, p := range parts {
		po, ok := decodeObject(p)
		if !ok {
			continue
		}
		at := "parts[" + strconv.Itoa(i) + "]"
		if t, _ := getString(po, "type"); t == "tool-invocation" || t == "source" {
			return at + ".type"
		}
		if k := v4PartKey(po); k != "" {
			return at + "." + k
		}
	}
	return ""
}

// v4PartKey names a v4-only key in a part, or returns "". Validate shares it
// so that a message it accepts can never be re-read as v4.
func v4PartKey(p object) string {
	if has(p, "args") {
		return "args"
	}
	if has(p, "result") {
		return "result"
	}
	t, _ := getString(p, "type")
	if t == "reasoning" && has(p, "reasoning") && has(p, "details") {
		return "details"
	}
	if t == "file" && has(p, "mimeType") && has(p, "data") {
		return "mimeType"
	}
	return ""
}
