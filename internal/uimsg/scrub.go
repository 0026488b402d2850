package uimsg

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/kira-art/kira/internal/textcheck"
)

// scrub repairs a stored row whose strings hold NUL, invalid UTF-8 or an
// unpaired surrogate escape (rows written on SQLite before the API refused
// them): such characters become U+FFFD, so every read returns valid UTF-8
// and a converted row passes Validate. Clean rows, the rule, are returned
// as they are after one cheap check; a dirty one is decoded and re-encoded,
// which may reorder its object keys. Invalid JSON is returned unchanged for
// the caller to refuse.
func scrub(raw []byte) []byte {
	if textcheck.JSON(raw) == nil || !json.Valid(raw) {
		return raw
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers such as 1e400 are kept, not refused
	var v any
	if dec.Decode(&v) != nil {
		return raw
	}
	out, err := json.Marshal(scrubValue(v))
	if err != nil {
		return raw
	}
	return out
}

func scrubValue(v any) any {
	switch x := v.(type) {
	case string:
		return scrubString(x)
	case []any:
		for i := range x {
			x[i] = scrubValue(x[i])
		}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[scrubString(k)] = scrubValue(e)
		}
		return out
	}
	return v
}

// scrubString replaces invalid UTF-8 and NUL with U+FFFD. (Decoding has
// already turned unpaired surrogate escapes into U+FFFD.)
func scrubString(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}
