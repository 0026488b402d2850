// Package textcheck refuses text that the two databases would treat
// differently: Postgres rejects a NUL character and invalid UTF-8 in TEXT
// columns (a 500), while SQLite stores and echoes them. Checking at the
// boundary makes both answer the same 400.
//
// A JSON body needs care because encoding/json silently replaces invalid
// UTF-8 with U+FFFD when decoding into Go strings, but json.RawMessage
// fields (message parts) keep the raw bytes; so the raw body is checked,
// not the decoded values.
package textcheck

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Reasons returned by String and in Problem.
const (
	ReasonNUL     = "must not contain NUL characters"
	ReasonUTF8    = "must be valid UTF-8"
	ReasonUnicode = "must not contain unpaired UTF-16 surrogate escapes"
)

// String returns why s cannot be stored (one of the Reason constants), or
// "" when it is fine.
func String(s string) string {
	switch {
	case !utf8.ValidString(s):
		return ReasonUTF8
	case strings.IndexByte(s, 0) >= 0:
		return ReasonNUL
	}
	return ""
}

// Problem is the first bad string of a JSON document: Path names it the way
// the API's error messages name fields ("message.parts[0].text"; "" for the
// document itself); a bad object key is reported at the object's path with
// Key set.
type Problem struct {
	Path   string
	Key    bool
	Reason string
}

// Field returns the path for an error message, with root standing in for
// the document itself.
func (p *Problem) Field(root string) string {
	if p.Path == "" {
		return root
	}
	return p.Path
}

// Message is "<field>: <reason>", naming keys as such.
func (p *Problem) Message(root string) string {
	if p.Key {
		return p.Field(root) + ": object keys " + p.Reason
	}
	return p.Field(root) + ": " + p.Reason
}

// JSON returns the first string (value or key) in the JSON text raw that
// holds a NUL (raw or as the escape \u0000), invalid UTF-8, or an unpaired
// surrogate escape (which decoders turn into U+FFFD or reject), or nil when
// there is none. Invalid JSON is not its concern: it returns nil for
// whatever it cannot tokenize, leaving the syntax error to the decoder.
//
// The common case costs one utf8.Valid pass and a search for `\u`; only a
// suspicious body is tokenized, with the path tracked, to name the field.
// Tokens come from json.Decoder, and each string token's raw literal is cut
// out of raw by InputOffset, so the check sees the bytes as sent rather
// than the decoder's repaired copy.
func JSON(raw []byte) *Problem {
	if utf8.Valid(raw) && !hasSuspectEscape(raw) {
		return nil
	}
	return locate(raw)
}

// hasSuspectEscape reports a \u escape of NUL or of a surrogate. It may
// see one where there is none (an escaped backslash followed by "u0000"),
// which only costs the precise scan.
func hasSuspectEscape(raw []byte) bool {
	for {
		i := bytes.Index(raw, []byte(`\u`))
		if i < 0 || i+6 > len(raw) {
			return false
		}
		if r, ok := hex4(raw[i+2 : i+6]); ok && (r == 0 || isSurrogate(r)) {
			return true
		}
		raw = raw[i+2:]
	}
}

// frame is one open container while tokenizing.
type frame struct {
	object    bool
	key       string // object: the current key
	expectKey bool   // object: the next string token is a key
	index     int    // array: the current element, -1 before the first
}

func locate(raw []byte) *Problem {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var stack []frame
	prev := int64(0)
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // EOF or a syntax error the real decode reports
		}
		end := dec.InputOffset()
		lit := raw[prev:end]
		prev = end
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			valueDone(stack)
			continue
		}
		isKey := len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].expectKey
		if isKey {
			top := &stack[len(stack)-1]
			top.key, _ = tok.(string)
			top.expectKey = false
			if reason := checkLiteral(lit); reason != "" {
				return &Problem{Path: pathOf(stack, false), Key: true, Reason: reason}
			}
			continue
		}
		if n := len(stack); n > 0 && !stack[n-1].object {
			stack[n-1].index++
		}
		switch d := tok.(type) {
		case json.Delim:
			stack = append(stack, frame{object: d == '{', expectKey: d == '{', index: -1})
			continue
		case string:
			if reason := checkLiteral(lit); reason != "" {
				return &Problem{Path: pathOf(stack, true), Reason: reason}
			}
		}
		valueDone(stack)
	}
}

// valueDone marks that the enclosing object's value is complete.
func valueDone(stack []frame) {
	if n := len(stack); n > 0 && stack[n-1].object {
		stack[n-1].expectKey = true
	}
}

// pathOf renders the open containers as "a.b[2].c". With leaf false the
// innermost object's current key is left out: a bad key is reported at the
// object holding it, since the key itself cannot be printed faithfully.
func pathOf(stack []frame, leaf bool) string {
	var b strings.Builder
	for i, f := range stack {
		if !leaf && i == len(stack)-1 && f.object {
			break
		}
		if f.object {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		} else {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(f.index))
			b.WriteByte(']')
		}
	}
	return b.String()
}

// checkLiteral checks the raw JSON string literal at the end of lit (lit
// may start with separators and whitespace, which hold no quotes).
func checkLiteral(lit []byte) string {
	i := bytes.IndexByte(lit, '"')
	if i < 0 {
		return ""
	}
	s := lit[i:]
	if !utf8.Valid(s) {
		return ReasonUTF8
	}
	if bytes.IndexByte(s, 0) >= 0 {
		return ReasonNUL
	}
	for j := 0; j < len(s); j++ {
		if s[j] != '\\' || j+1 >= len(s) {
			continue
		}
		j++
		if s[j] != 'u' || j+5 > len(s) {
			continue // \" \\ \n …: the escaped character is skipped
		}
		r, _ := hex4(s[j+1 : j+5])
		j += 4
		switch {
		case r == 0:
			return ReasonNUL
		case r >= 0xDC00 && r <= 0xDFFF:
			return ReasonUnicode // a low surrogate with no high one before it
		case r >= 0xD800 && r <= 0xDBFF:
			// A high surrogate must be followed at once by a low one.
			if j+7 > len(s) || s[j+1] != '\\' || s[j+2] != 'u' {
				return ReasonUnicode
			}
			lo, _ := hex4(s[j+3 : j+7])
			if lo < 0xDC00 || lo > 0xDFFF {
				return ReasonUnicode
			}
			j += 6
		}
	}
	return ""
}

func isSurrogate(r rune) bool { return r >= 0xD800 && r <= 0xDFFF }

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
