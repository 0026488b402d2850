// Package uimsg defines the chat's stored message shape, the Vercel AI SDK v5
// "UI message", and reads rows written by older AI SDK v4 clients by
// converting them on the fly. It does no I/O, so the store, the HTTP layer
// and the model adapter share one definition of a valid message.
//
// JSON null is treated as "absent" for every value this package reads, so
// that a row written by a serializer that emits nulls for missing fields
// reads the same as one that omits them; the package never writes null.
package uimsg

import (
	"encoding/json"
	"strings"
)

// MaxParts caps the parts of one message. Real turns stay far below it; the
// cap bounds the work a hostile request can cause in Validate and in
// everything downstream that walks parts.
const MaxParts = 1000

// Message is an AI SDK v5 UI message. Parts are kept as raw JSON so unknown
// fields round-trip unchanged.
type Message struct {
	ID       string            `json:"id"`
	Role     string            `json:"role"`
	Parts    []json.RawMessage `json:"parts"`
	Metadata json.RawMessage   `json:"metadata,omitempty"`
	// CreatedAt is kept raw because stored rows hold whatever the client's
	// serializer produced (usually an ISO-8601 string); it is not validated
	// because the store keeps its own authoritative timestamp.
	CreatedAt json.RawMessage `json:"createdAt,omitempty"`
}

// ImageRef is an image produced inside a message: tool parts (type tool-*)
// with state output-available whose output has an "images" array of objects
// with "imageId" (the whole object is kept raw), in order.
type ImageRef = json.RawMessage

// ValidID reports whether id is a client-chosen message id: 1–64 characters
// of [A-Za-z0-9_-].
func ValidID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// PartType returns the "type" of a part, or "" when the part is not an
// object or has no string type.
func PartType(p json.RawMessage) string {
	o, ok := decodeObject(p)
	if !ok {
		return ""
	}
	t, _ := getString(o, "type")
	return t
}

// Text returns the message's text parts joined with "\n". Reasoning is left
// out because it is not what the user or assistant said.
func (m Message) Text() string {
	var b strings.Builder
	n := 0
	for _, p := range m.Parts {
		o, ok := decodeObject(p)
		if !ok {
			continue
		}
		if t, _ := getString(o, "type"); t != "text" {
			continue
		}
		text, ok := getString(o, "text")
		if !ok {
			continue
		}
		if n > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(text)
		n++
	}
	return b.String()
}

// ToolImages returns the images produced by finished tool calls, in part
// order. Each element is the raw image object (it has a non-empty string
// "imageId"); the result is nil when there are none.
func (m Message) ToolImages() []ImageRef {
	var out []ImageRef
	for _, p := range m.Parts {
		o, ok := decodeObject(p)
		if !ok {
			continue
		}
		if t, _ := getString(o, "type"); !strings.HasPrefix(t, "tool-") {
			continue
		}
		// Only output-available: an errored or pending call produced nothing
		// the user can see, whatever half-written output it carries.
		if s, _ := getString(o, "state"); s != "output-available" {
			continue
		}
		output, ok := getObject(o, "output")
		if !ok {
			continue
		}
		images, _ := getArray(output, "images")
		for _, img := range images {
			io, ok := decodeObject(img)
			if !ok {
				continue
			}
			if id, _ := getString(io, "imageId"); id != "" {
				out = append(out, img)
			}
		}
	}
	return out
}
