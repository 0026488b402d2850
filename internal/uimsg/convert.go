package uimsg

import (
	"encoding/json"
	"slices"
)

// Parse decodes a stored message: v5 rows are returned as they are (parts
// byte-for-byte), v4 rows are converted with ConvertV4 and wasV4 is true.
// err is a *ValidationError when raw is not a JSON object, or when a v5 row
// has a field of the wrong JSON type (id/role not strings, parts not an
// array), which Message cannot represent. Parse does not Validate.
//
// Strings holding NUL or invalid UTF-8 (stored before the API refused them)
// are read with U+FFFD in their place; see scrub.
func Parse(raw []byte) (m Message, wasV4 bool, err error) {
	o, ok := decodeObject(scrub(raw))
	if !ok {
		return Message{}, false, errNotObject()
	}
	if isV4(o) {
		return convertObject(o), true, nil
	}
	m, err = decodeV5(o)
	return m, false, err
}

// ConvertV4 converts an AI SDK v4 message to v5. It is total on JSON
// objects: whatever cannot be converted into a valid part is dropped, so the
// result is never v4 and its parts always validate; only an id or role that
// was already invalid in the input (or more than MaxParts parts) can make
// Validate fail. The error is non-nil only when raw is not a JSON object.
//
// File parts whose url Validate would refuse (javascript:, file:, non-image
// data: URLs) are dropped too: the server never hands such a URL out.
//
// Every v4 row is a finished history (v4 clients no longer write), so tool
// calls that never got a result become output-error "interrupted" instead
// of staying pending, which model providers reject.
func ConvertV4(raw []byte) (Message, error) {
	o, ok := decodeObject(scrub(raw))
	if !ok {
		return Message{}, errNotObject()
	}
	return convertObject(o), nil
}

func errNotObject() error {
	return &ValidationError{Field: "message", Reason: "must be a JSON object"}
}

// decodeV5 reads only the v5 keys, by exact name.
func decodeV5(o object) (Message, error) {
	m := Message{Parts: []json.RawMessage{}}
	var ok bool
	if v := value(o, "id"); v != nil {
		if m.ID, ok = getString(o, "id"); !ok {
			return Message{}, &ValidationError{Field: "id", Reason: "must be a string"}
		}
	}
	if v := value(o, "role"); v != nil {
		if m.Role, ok = getString(o, "role"); !ok {
			return Message{}, &ValidationError{Field: "role", Reason: "must be a string"}
		}
	}
	if v := value(o, "parts"); v != nil {
		if json.Unmarshal(v, &m.Parts) != nil {
			return Message{}, &ValidationError{Field: "parts", Reason: "must be an array"}
		}
	}
	m.Metadata = value(o, "metadata")
	m.CreatedAt = value(o, "createdAt")
	return m, nil
}

// part is a converted part plus what assembly needs to know about it,
// so the raw JSON is not decoded again.
type part struct {
	typ    string
	callID string // tool parts only
	raw    json.RawMessage
}

func convertObject(o object) Message {
	m := Message{Parts: []json.RawMessage{}}
	// A non-string id or role becomes "", which Validate reports: those are
	// the input's problems and inventing values would hide them.
	m.ID, _ = getString(o, "id")
	role, _ := getString(o, "role")
	m.Role = role
	// v5 metadata is an object; anything else would fail Validate.
	if _, ok := getObject(o, "metadata"); ok {
		m.Metadata = canon(value(o, "metadata"))
	}
	m.CreatedAt = canon(value(o, "createdAt"))

	if role == "data" {
		m.Role = "assistant"
		m.Parts = append(m.Parts, dataCustomPart(o))
		return m
	}

	var parts []part
	arr, _ := getArray(o, "parts")
	for _, raw := range arr {
		if p, ok := convertPart(raw); ok {
			parts = append(parts, p)
		}
	}
	// v4.2+ rows repeat every call in both toolInvocations and parts; parts
	// win, toolInvocations only fills in calls the parts lack.
	invs, _ := getArray(o, "toolInvocations")
	for _, raw := range invs {
		inv, ok := decodeObject(raw)
		if !ok {
			continue
		}
		name, _ := getString(inv, "toolName")
		p, ok := toolPart(inv, name)
		if ok && !slices.ContainsFunc(parts, func(q part) bool { return q.callID == p.callID }) {
			parts = append(parts, p)
		}
	}
	// content is v4's flat copy of the text parts, so it only adds a part
	// when there is no text part; it goes after the tools.
	if c, _ := getString(o, "content"); c != "" && !hasType(parts, "text") {
		parts = append(parts, textPart(c))
	}
	parts = insertBeforeText(parts, attachmentParts(o))
	// The deprecated top-level reasoning duplicates reasoning parts when
	// both exist; otherwise it is the turn's reasoning and comes first.
	if r, _ := getString(o, "reasoning"); r != "" && !hasType(parts, "reasoning") {
		parts = slices.Insert(parts, 0, reasoningPart(r))
	}
	// v5 requires a part on user and system messages; an empty v4 one
	// (content "") becomes an empty text part rather than an invalid row.
	if len(parts) == 0 && (role == "user" || role == "system") {
		parts = append(parts, textPart(""))
	}
	for _, p := range parts {
		m.Parts = append(m.Parts, p.raw)
	}
	return m
}

func hasType(parts []part, typ string) bool {
	return slices.ContainsFunc(parts, func(p part) bool { return p.typ == typ })
}

// insertBeforeText puts attachments before the first text part (the text
// usually talks about them), or at the end when there is no text.
func insertBeforeText(parts, files []part) []part {
	i := slices.IndexFunc(parts, func(p part) bool { return p.typ == "text" })
	if i < 0 {
		return append(parts, files...)
	}
	return slices.Insert(parts, i, files...)
}

// dataCustomPart converts a v4 role "data" message. data is preferred over
// content because content is only the (usually empty) flat text; when both
// are missing the v4 default content "" is used so the part keeps its
// required data.
func dataCustomPart(o object) json.RawMessage {
	d := value(o, "data")
	if d == nil {
		d = value(o, "content")
	}
	if d == nil {
		d = json.RawMessage(`""`)
	}
	return encode(dataPartJSON{Type: "data-custom", Data: d})
}
