package uimsg

import (
	"fmt"
	"strings"

	"github.com/kira-art/kira/internal/textcheck"
)

// ValidationError names the first invalid field of a message, e.g.
// Field "parts[2].toolCallId", Reason "is required".
type ValidationError struct{ Field, Reason string }

// Error returns Field and Reason separated by a space, which reads as a
// sentence suitable for an API error message.
func (e *ValidationError) Error() string { return e.Field + " " + e.Reason }

// Validate checks m against the v5 message rules and returns the first
// problem as a *ValidationError (nil when valid): a valid id (see ValidID),
// a role of user, assistant or system, at least one part for user and
// system messages, at most MaxParts parts, metadata (if any) an object, and
// every part one of the known shapes without AI SDK v4 keys, file urls of
// an allowed kind (FileURLReason), and no string in a part or the metadata
// holding NUL or invalid UTF-8. The last rule
// guarantees that a message accepted here is read back as v5, unchanged.
func (m Message) Validate() error {
	if !ValidID(m.ID) {
		return &ValidationError{"id", "must be 1-64 characters of A-Z a-z 0-9 _ -"}
	}
	switch m.Role {
	case "user", "assistant", "system":
	default:
		return &ValidationError{"role", "must be one of user, assistant, system"}
	}
	if len(m.Parts) == 0 && m.Role != "assistant" {
		// An assistant turn may be empty (aborted before any output); a
		// user or system turn with nothing in it is a client bug.
		return &ValidationError{"parts", "must not be empty for user and system messages"}
	}
	if len(m.Parts) > MaxParts {
		return &ValidationError{"parts", fmt.Sprintf("must have at most %d parts", MaxParts)}
	}
	if m.Metadata != nil && !isNull(m.Metadata) {
		if _, ok := decodeObject(m.Metadata); !ok {
			return &ValidationError{"metadata", "must be an object"}
		}
		if err := checkText("metadata", m.Metadata); err != nil {
			return err
		}
	}
	for i, p := range m.Parts {
		if err := validatePart(i, p); err != nil {
			return err
		}
	}
	return nil
}

// validatePart checks one part's shape; it is separate so tests can check
// converted parts even when the message as a whole fails for inherited
// reasons.
func validatePart(i int, raw []byte) *ValidationError {
	at := fmt.Sprintf("parts[%d]", i)
	o, ok := decodeObject(raw)
	if !ok {
		return &ValidationError{at, "must be an object"}
	}
	// need reports a missing or mistyped string field; nil means fine.
	need := func(key string) *ValidationError {
		if value(o, key) == nil {
			return &ValidationError{at + "." + key, "is required"}
		}
		if _, ok := getString(o, key); !ok {
			return &ValidationError{at + "." + key, "must be a string"}
		}
		return nil
	}
	// optional reports an optional field that is present but not a string.
	optional := func(key string) *ValidationError {
		if value(o, key) == nil {
			return nil
		}
		return need(key)
	}
	if err := need("type"); err != nil {
		return err
	}
	typ, _ := getString(o, "type")
	var err *ValidationError
	switch {
	case typ == "text", typ == "reasoning":
		err = first(need("text"), oneOf(o, at, "state", "streaming", "done"))
	case typ == "step-start":
	case typ == "file":
		err = first(need("mediaType"), need("url"), optional("filename"), fileURL(o, at))
	case typ == "source-url":
		err = first(need("sourceId"), need("url"), optional("title"))
	case strings.HasPrefix(typ, "tool-"):
		err = validateTool(o, at, typ, need)
	case strings.HasPrefix(typ, "data-"):
		switch {
		case typ == "data-":
			err = &ValidationError{at + ".type", `"data-" must be followed by a name`}
		case value(o, "data") == nil:
			err = &ValidationError{at + ".data", "is required"}
		default:
			err = optional("id")
		}
	default:
		err = &ValidationError{at + ".type", fmt.Sprintf(
			"must be one of text, reasoning, step-start, file, source-url, tool-<name>, data-<name> (got %q)", typ)}
	}
	if err != nil {
		return err
	}
	if key := v4PartKey(o); key != "" {
		return &ValidationError{at + "." + key, "is an AI SDK v4 field"}
	}
	return checkText(at, raw)
}

// checkText refuses strings with NUL or invalid UTF-8 anywhere in a part
// or metadata (text, tool inputs such as prompts, data), which Postgres
// cannot store and SQLite would echo back.
func checkText(at string, raw []byte) *ValidationError {
	p := textcheck.JSON(raw)
	if p == nil {
		return nil
	}
	field := at
	if p.Path != "" {
		field += "." + p.Path
	}
	if p.Key {
		return &ValidationError{field, "object keys " + p.Reason}
	}
	return &ValidationError{field, p.Reason}
}

// fileURL refuses a file part url that is not an allowed scheme.
func fileURL(o object, at string) *ValidationError {
	u, _ := getString(o, "url")
	if reason := FileURLReason(u); reason != "" {
		return &ValidationError{at + ".url", reason}
	}
	return nil
}

func validateTool(o object, at, typ string, need func(string) *ValidationError) *ValidationError {
	switch typ {
	case "tool-":
		return &ValidationError{at + ".type", `"tool-" must be followed by a tool name`}
	case "tool-invocation":
		// Reserved: it is the v4 part type, so the row would read back as v4.
		return &ValidationError{at + ".type", `"tool-invocation" is the AI SDK v4 tool part type`}
	}
	if err := need("toolCallId"); err != nil {
		return err
	}
	if id, _ := getString(o, "toolCallId"); id == "" {
		return &ValidationError{at + ".toolCallId", "must not be empty"}
	}
	if err := need("state"); err != nil {
		return err
	}
	if err := oneOf(o, at, "state", "input-streaming", "input-available", "output-available", "output-error"); err != nil {
		return err
	}
	if s, _ := getString(o, "state"); s == "output-error" {
		return need("errorText")
	}
	return nil
}

// oneOf reports an optional string field whose value is not in allowed.
func oneOf(o object, at, key string, allowed ...string) *ValidationError {
	if value(o, key) == nil {
		return nil
	}
	s, ok := getString(o, key)
	for _, a := range allowed {
		if ok && s == a {
			return nil
		}
	}
	return &ValidationError{at + "." + key, "must be one of " + strings.Join(allowed, ", ")}
}

// first returns the first non-nil error, so checks read as one list.
func first(errs ...*ValidationError) *ValidationError {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
