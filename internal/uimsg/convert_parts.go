package uimsg

import (
	"encoding/json"
	"strings"
)

// The v5 part shapes this package writes. Field order follows the AI SDK
// docs so converted rows read naturally; omitempty keeps absent optional
// fields out (never null).
type (
	textPartJSON struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	stepStartJSON struct {
		Type string `json:"type"`
	}
	filePartJSON struct {
		Type      string `json:"type"`
		MediaType string `json:"mediaType"`
		URL       string `json:"url"`
		Filename  string `json:"filename,omitempty"`
	}
	sourcePartJSON struct {
		Type     string `json:"type"`
		SourceID string `json:"sourceId"`
		URL      string `json:"url"`
		Title    string `json:"title,omitempty"`
	}
	toolPartJSON struct {
		Type       string          `json:"type"`
		ToolCallID string          `json:"toolCallId"`
		State      string          `json:"state"`
		Input      json.RawMessage `json:"input,omitempty"`
		Output     json.RawMessage `json:"output,omitempty"`
		// A pointer so that a carried errorText "" stays present: output-error
		// requires the key.
		ErrorText *string `json:"errorText,omitempty"`
	}
	dataPartJSON struct {
		Type string          `json:"type"`
		ID   string          `json:"id,omitempty"`
		Data json.RawMessage `json:"data"`
	}
)

// interrupted is the errorText of tool calls that never got a result.
const interrupted = "interrupted"

// octetStream is the media type used when a v4 file says nothing about its
// type; v5 requires one.
const octetStream = "application/octet-stream"

func mk(typ string, v any) (part, bool) {
	raw := encode(v)
	return part{typ: typ, raw: raw}, raw != nil
}

func textPart(s string) part {
	p, _ := mk("text", textPartJSON{Type: "text", Text: s})
	return p
}

func reasoningPart(s string) part {
	p, _ := mk("reasoning", textPartJSON{Type: "reasoning", Text: s})
	return p
}

// convertPart converts one element of a v4 "parts" array. Parts that are
// already v5-shaped are rebuilt too (dropping v4 keys such as args/result),
// so nothing in the output can make the row look v4 again; parts that cannot
// be made valid are dropped (ok false).
func convertPart(raw json.RawMessage) (part, bool) {
	o, ok := decodeObject(raw)
	if !ok {
		return part{}, false
	}
	typ, _ := getString(o, "type")
	switch {
	case typ == "text":
		t, ok := getString(o, "text")
		return textPart(t), ok
	case typ == "reasoning":
		t, ok := getString(o, "text")
		if !ok {
			t, ok = getString(o, "reasoning")
		}
		return reasoningPart(t), ok
	case typ == "step-start":
		return mk(typ, stepStartJSON{Type: typ})
	case typ == "file":
		mt, _ := getString(o, "mediaType")
		if mt == "" {
			mt, _ = getString(o, "mimeType")
		}
		url, _ := getString(o, "url")
		data, _ := getString(o, "data")
		name, _ := getString(o, "filename")
		return filePart(mt, url, data, name)
	case typ == "source":
		src, _ := getObject(o, "source")
		id, _ := getString(src, "id")
		url, _ := getString(src, "url")
		title, _ := getString(src, "title")
		return sourcePart(id, url, title)
	case typ == "source-url":
		id, _ := getString(o, "sourceId")
		url, _ := getString(o, "url")
		title, _ := getString(o, "title")
		return sourcePart(id, url, title)
	case typ == "tool-invocation":
		// Some writers flattened the invocation into the part itself.
		inv := o
		if nested, ok := getObject(o, "toolInvocation"); ok {
			inv = nested
		}
		name, _ := getString(inv, "toolName")
		return toolPart(inv, name)
	case strings.HasPrefix(typ, "tool-"):
		return toolPart(o, strings.TrimPrefix(typ, "tool-"))
	case strings.HasPrefix(typ, "data-") && len(typ) > len("data-"):
		d := value(o, "data")
		if d == nil {
			return part{}, false
		}
		id, _ := getString(o, "id")
		return mk(typ, dataPartJSON{Type: typ, ID: id, Data: d})
	}
	return part{}, false
}

// v5State maps a v4 tool state to v5; v5 states pass through (for already
// converted parts) and anything else is "".
func v5State(s string) string {
	switch s {
	case "partial-call":
		return "input-streaming"
	case "call":
		return "input-available"
	case "result":
		return "output-available"
	case "input-streaming", "input-available", "output-available", "output-error":
		return s
	}
	return ""
}

// toolPart converts a v4 tool invocation (toolCallId, state, args, result)
// or a v5 tool part found inside a v4 row. Calls without a name or call id
// cannot be paired with anything and are dropped, as is a tool named
// "invocation", whose v5 type would read back as a v4 part.
func toolPart(o object, name string) (part, bool) {
	id, _ := getString(o, "toolCallId")
	if name == "" || name == "invocation" || id == "" {
		return part{}, false
	}
	input := value(o, "input")
	if input == nil {
		input = value(o, "args")
	}
	output := value(o, "output")
	if output == nil {
		output = value(o, "result")
	}
	rawState, _ := getString(o, "state")
	state := v5State(rawState)
	if state == "" && output != nil {
		state = "output-available"
	}
	errText, hasErr := getString(o, "errorText")
	switch {
	case state == "output-available" && output != nil:
	case state == "output-error":
		if !hasErr {
			errText = "unknown error"
		}
	default:
		// Pending, unknown, or "result" without a result: the history is
		// finished, so the call was cut off. Leaving it pending would make
		// the next model request fail on a call without a result.
		state, errText = "output-error", interrupted
	}
	t := toolPartJSON{Type: "tool-" + name, ToolCallID: id, State: state, Input: input}
	if state == "output-available" {
		t.Output = output
	} else {
		t.ErrorText = &errText
	}
	p, ok := mk(t.Type, t)
	p.callID = id
	return p, ok
}

// filePart builds a v5 file part. v4 stored raw base64 in data; v5 wants a
// URL, so bare base64 becomes a data: URL while values that are already
// URLs are kept as they are.
func filePart(mediaType, url, data, filename string) (part, bool) {
	if url == "" {
		switch {
		case data == "":
			return part{}, false
		case strings.HasPrefix(data, "data:"), strings.HasPrefix(data, "http"):
			url = data
		default:
			mt := mediaType
			if mt == "" {
				mt = octetStream
			}
			url = "data:" + mt + ";base64," + data
		}
	}
	if mediaType == "" {
		mediaType = mimeFromDataURL(url)
	}
	if mediaType == "" {
		mediaType = octetStream
	}
	if FileURLReason(url) != "" {
		return part{}, false
	}
	return mk("file", filePartJSON{Type: "file", MediaType: mediaType, URL: url, Filename: filename})
}

// mimeFromDataURL returns the media type of a data: URL, or "".
func mimeFromDataURL(url string) string {
	rest, ok := strings.CutPrefix(url, "data:")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, ";,"); i >= 0 {
		return rest[:i]
	}
	return ""
}

func sourcePart(id, url, title string) (part, bool) {
	if id == "" || url == "" {
		return part{}, false
	}
	return mk("source-url", sourcePartJSON{Type: "source-url", SourceID: id, URL: url, Title: title})
}

// attachmentParts converts v4 experimental_attachments ({name?,
// contentType?, url}) to file parts.
func attachmentParts(o object) []part {
	arr, _ := getArray(o, "experimental_attachments")
	var out []part
	for _, raw := range arr {
		a, ok := decodeObject(raw)
		if !ok {
			continue
		}
		ct, _ := getString(a, "contentType")
		url, _ := getString(a, "url")
		name, _ := getString(a, "name")
		if p, ok := filePart(ct, url, "", name); ok {
			out = append(out, p)
		}
	}
	return out
}
