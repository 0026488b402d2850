package loadkit

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
)

// SSE reads the events of a UI message stream.
type SSE struct {
	br     *bufio.Reader
	lastID string
}

// NewSSE reads events from r.
func NewSSE(r io.Reader) *SSE { return &SSE{br: bufio.NewReader(r)} }

// Next returns the next event's data ("[DONE]" included), skipping
// keep-alive comments and blank lines; an id line is remembered (LastID).
func (r *SSE) Next() (string, error) {
	for {
		line, err := r.br.ReadString('\n')
		if err != nil {
			return "", err
		}
		line = strings.TrimRight(line, "\r\n")
		if id, ok := strings.CutPrefix(line, "id: "); ok {
			r.lastID = id
			continue
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			return data, nil
		}
	}
}

// LastID is the id of the last event read ("" if none had one), the value
// of a reconnect's Last-Event-ID.
func (r *SSE) LastID() string { return r.lastID }

// Until reads events up to and including the first chunk of type typ.
func (r *SSE) Until(typ string) error {
	for {
		data, err := r.Next()
		if err != nil {
			return err
		}
		if ChunkType(data) == typ {
			return nil
		}
	}
}

// Rest is the unread part of the stream, for draining it.
func (r *SSE) Rest() io.Reader { return r.br }

// ChunkType is a chunk's "type" ("" for [DONE] or unparsable data).
func ChunkType(data string) string {
	var c struct {
		Type string `json:"type"`
	}
	if json.Unmarshal([]byte(data), &c) != nil {
		return ""
	}
	return c.Type
}

// UserMessage is an AI SDK v5 user message with one text part.
func UserMessage(id, text string) map[string]any {
	return map[string]any{"id": id, "role": "user", "parts": []any{map[string]any{"type": "text", "text": text}}}
}
