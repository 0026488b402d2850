package uimsg

// IsV4 reports whether raw is a message stored by an AI SDK v4 client. It is
// false for invalid JSON and non-objects. A row is v4 when any of these hold:
//
//   - it has a "content" string and no "parts" (absent or null);
//   - it has "toolInvocations";
//   - a part has type "tool-invocation", or an "args" or "result" key;
//   - a "reasoning" part has both "reasoning" and "details";
//   - a "file" part has both "mimeType" and "data";
//   - role is "data";
//   - it has "experimental_attachments" or a top-level "reasoning" string,
//     or a part has type "source".
//
// The last rule goes beyond the written spec: v4.2+ rows carry "parts" and
// "content" together, so a user message with attachments, or an assistant
// message citing sources, with no other v4 marker would otherwise be read
// as v5 and lose its attachments or keep parts v5 rejects. None of these
// exist in v5, so this cannot misclassify a v5 row.
func IsV4(raw []byte) bool {
	o, ok := decodeObject(raw)
	return ok && isV4(o)
}

func isV4(o object) bool {
	if role, _ := getString(o, "role"); role == "data" {
		return true
	}
	if has(o, "toolInvocations") || has(o, "experimental_attachments") {
		return true
	}
	if _, ok := getString(o, "reasoning"); ok {
		return true
	}
	if _, ok := getString(o, "content"); ok && value(o, "parts") == nil {
		return true
	}
	parts, _ := getArray(o, "parts")
	for _, p := range parts {
		po, ok := decodeObject(p)
		if !ok {
			continue
		}
		if t, _ := getString(po, "type"); t == "tool-invocation" || t == "source" {
			return true
		}
		if v4PartKey(po) != "" {
			return true
		}
	}
	return false
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
