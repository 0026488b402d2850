package uistream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// MarshalJSON encodes the chunk as one line of JSON with "type" first and
// only the fields STREAMING.md §1 allows for its type; optional fields are
// left out rather than written as null. It fails for a chunk whose
// construction failed (see Err).
func (c Chunk) MarshalJSON() ([]byte, error) {
	if err := c.Err(); err != nil {
		return nil, err
	}
	w := objWriter{}
	w.str("type", c.typ)
	switch c.typ {
	case TypeStart:
		w.optStr("messageId", c.messageID)
		w.optRaw("messageMetadata", c.metadata)
	case TypeStartStep, TypeFinishStep:
	case TypeTextStart, TypeTextEnd, TypeReasoningStart, TypeReasoningEnd:
		w.str("id", c.id)
	case TypeTextDelta, TypeReasoningDelta:
		w.str("id", c.id)
		w.str("delta", c.delta)
	case TypeToolInputStart:
		w.str("toolCallId", c.toolCallID)
		w.str("toolName", c.toolName)
	case TypeToolInputDelta:
		w.str("toolCallId", c.toolCallID)
		w.str("inputTextDelta", c.inputTextDelta)
	case TypeToolInputAvailable:
		w.str("toolCallId", c.toolCallID)
		w.str("toolName", c.toolName)
		w.raw("input", c.input)
	case TypeToolOutputAvailable:
		w.str("toolCallId", c.toolCallID)
		w.raw("output", c.output)
	case TypeToolOutputError:
		w.str("toolCallId", c.toolCallID)
		w.str("errorText", c.errorText)
	case TypeMessageMetadata:
		w.raw("messageMetadata", c.metadata)
	case TypeFinish:
		w.optStr("finishReason", c.finishReason)
		w.optRaw("messageMetadata", c.metadata)
	case TypeError:
		w.str("errorText", c.errorText)
	default: // data-<name>, the only other type a constructor makes
		w.optStr("id", c.id)
		w.raw("data", c.data)
		if c.transient {
			// false is the default, so it is never written.
			w.b = append(w.b, `,"transient":true`...)
		}
	}
	w.b = append(w.b, '}')
	return w.b, nil
}

// UnmarshalJSON decodes a chunk with ParseChunk's strict rules.
func (c *Chunk) UnmarshalJSON(b []byte) error {
	p, err := ParseChunk(b)
	if err != nil {
		return err
	}
	*c = p
	return nil
}

// objWriter appends "key":value pairs to a JSON object that is already open.
type objWriter struct{ b []byte }

func (w *objWriter) key(k string) {
	if len(w.b) == 0 {
		w.b = append(w.b, '{')
	} else {
		w.b = append(w.b, ',')
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, k...) // keys are fixed ASCII names
	w.b = append(w.b, '"', ':')
}

func (w *objWriter) str(k, v string) {
	w.key(k)
	s, _ := marshal(v) // a string always encodes
	w.b = append(w.b, s...)
}

func (w *objWriter) optStr(k, v string) {
	if v != "" {
		w.str(k, v)
	}
}

func (w *objWriter) raw(k string, v json.RawMessage) {
	w.key(k)
	w.b = append(w.b, v...)
}

func (w *objWriter) optRaw(k string, v json.RawMessage) {
	if v != nil {
		w.raw(k, v)
	}
}

// shape lists a chunk type's required and optional keys besides "type".
type shape struct{ required, optional []string }

var shapes = map[string]shape{
	TypeStart:               {optional: []string{"messageId", "messageMetadata"}},
	TypeStartStep:           {},
	TypeFinishStep:          {},
	TypeTextStart:           {required: []string{"id"}},
	TypeTextDelta:           {required: []string{"id", "delta"}},
	TypeTextEnd:             {required: []string{"id"}},
	TypeReasoningStart:      {required: []string{"id"}},
	TypeReasoningDelta:      {required: []string{"id", "delta"}},
	TypeReasoningEnd:        {required: []string{"id"}},
	TypeToolInputStart:      {required: []string{"toolCallId", "toolName"}},
	TypeToolInputDelta:      {required: []string{"toolCallId", "inputTextDelta"}},
	TypeToolInputAvailable:  {required: []string{"toolCallId", "toolName", "input"}},
	TypeToolOutputAvailable: {required: []string{"toolCallId", "output"}},
	TypeToolOutputError:     {required: []string{"toolCallId", "errorText"}},
	TypeMessageMetadata:     {required: []string{"messageMetadata"}},
	TypeFinish:              {optional: []string{"finishReason", "messageMetadata"}},
	TypeError:               {required: []string{"errorText"}},
}

var dataShape = shape{required: []string{"data"}, optional: []string{"id", "transient"}}

// ParseChunk decodes one chunk and rejects anything the constructors could
// not have produced: an unknown type, a missing required field, a field not
// allowed for the type, a null (except as a tool input or output value,
// which may be anything), or a value of the wrong JSON type. It is the
// reader for chunks kept in the stream log, e.g. to rebuild the message of
// a run whose producer died.
func ParseChunk(b []byte) (Chunk, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
		return Chunk{}, errors.New("uistream: chunk must be a JSON object")
	}
	var typ string
	if err := json.Unmarshal(fields["type"], &typ); err != nil {
		return Chunk{}, errors.New("uistream: chunk type must be a string")
	}
	sh, ok := shapes[typ]
	if !ok && isDataType(typ) {
		sh, ok = dataShape, true
	}
	if !ok {
		return Chunk{}, fmt.Errorf("uistream: unknown chunk type %q", typ)
	}
	for k, v := range fields {
		if k != "type" && !slices.Contains(sh.required, k) && !slices.Contains(sh.optional, k) {
			return Chunk{}, fmt.Errorf("uistream: %s: field %q is not allowed", typ, k)
		}
		// input and output are any JSON value, so null is a value there.
		if bytes.Equal(v, []byte("null")) && k != "input" && k != "output" {
			return Chunk{}, fmt.Errorf("uistream: %s: field %q is null", typ, k)
		}
	}
	for _, k := range sh.required {
		if _, ok := fields[k]; !ok {
			return Chunk{}, fmt.Errorf("uistream: %s: field %q is required", typ, k)
		}
	}
	return fromFields(typ, fields)
}

// fromFields rebuilds the chunk through its constructor so a parsed chunk
// obeys the same rules (non-empty ids, object metadata) as a built one.
func fromFields(typ string, f map[string]json.RawMessage) (Chunk, error) {
	var bad error
	str := func(k string) string {
		var s string
		if v, ok := f[k]; ok && json.Unmarshal(v, &s) != nil && bad == nil {
			bad = fmt.Errorf("uistream: %s: field %q must be a string", typ, k)
		}
		return s
	}
	var c Chunk
	switch typ {
	case TypeStart:
		c = Start(str("messageId"), f["messageMetadata"])
	case TypeStartStep:
		c = StartStep()
	case TypeFinishStep:
		c = FinishStep()
	case TypeTextStart, TypeTextEnd, TypeReasoningStart, TypeReasoningEnd:
		c = block(typ, str("id"))
	case TypeTextDelta, TypeReasoningDelta:
		c = block(typ, str("id"))
		c.delta = str("delta")
	case TypeToolInputStart:
		c = ToolInputStart(str("toolCallId"), str("toolName"))
	case TypeToolInputDelta:
		c = ToolInputDelta(str("toolCallId"), str("inputTextDelta"))
	case TypeToolInputAvailable:
		c = ToolInputAvailable(str("toolCallId"), str("toolName"), f["input"])
	case TypeToolOutputAvailable:
		c = ToolOutputAvailable(str("toolCallId"), f["output"])
	case TypeToolOutputError:
		c = ToolOutputError(str("toolCallId"), str("errorText"))
	case TypeMessageMetadata:
		c = MessageMetadata(f["messageMetadata"])
	case TypeFinish:
		var opts []FinishOption
		if _, ok := f["finishReason"]; ok {
			opts = append(opts, WithFinishReason(str("finishReason")))
		}
		c = Finish(f["messageMetadata"], opts...)
	case TypeError:
		c = Error(str("errorText"))
	default:
		c = parseData(typ, f, str)
	}
	if bad != nil {
		return Chunk{}, bad
	}
	return c, c.Err()
}

func parseData(typ string, f map[string]json.RawMessage, str func(string) string) Chunk {
	var opts []DataOption
	if _, ok := f["id"]; ok {
		opts = append(opts, DataID(str("id")))
	}
	c := Data(typ[len(dataPrefix):], f["data"], opts...)
	if v, ok := f["transient"]; ok {
		var t bool
		if json.Unmarshal(v, &t) != nil {
			c.err = fmt.Errorf("uistream: %s: field \"transient\" must be a boolean", typ)
		}
		c.transient = t
	}
	return c
}
