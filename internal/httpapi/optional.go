package httpapi

import (
	"encoding/json"

	"github.com/kira-art/kira/internal/apperr"
)

// optional is a JSON field that may be absent, null or a value; absent and
// null mean different things in partial updates.
type optional struct {
	Set bool
	Raw json.RawMessage
}

// UnmarshalJSON is only called when the field is present (null included).
func (o *optional) UnmarshalJSON(b []byte) error {
	o.Set = true
	o.Raw = append(o.Raw[:0], b...)
	return nil
}

// String reads the value as a string, with null meaning "".
func (o optional) String(field string) (string, error) {
	if string(o.Raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(o.Raw, &s); err != nil {
		return "", apperr.Invalidf("%s: must be a string or null", field)
	}
	return s, nil
}
