package uistream

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
)

// SetHeaders sets the response headers of a UI message stream. Call it
// before the first write. X-Accel-Buffering stops nginx-style proxies from
// holding events back; there is no Content-Encoding because compressing
// middleware buffers.
func SetHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("x-vercel-ai-ui-message-stream", "v1")
	h.Set("X-Accel-Buffering", "no")
}

// ErrBadEvent is returned for an event that would break SSE framing: data
// or an id containing a line break (or an id containing NUL, which browsers
// ignore).
var ErrBadEvent = errors.New("uistream: event would break SSE framing")

// WriteEvent writes c as one event, preceded by an "id:" line when id is
// not empty, and flushes so the client sees it at once.
func WriteEvent(w http.ResponseWriter, id string, c Chunk) error {
	data, err := c.MarshalJSON()
	if err != nil {
		return err
	}
	return WriteData(w, id, data)
}

// WriteData is WriteEvent for a chunk that is already encoded, such as an
// entry read back from the stream log. data must be one line of JSON.
func WriteData(w http.ResponseWriter, id string, data []byte) error {
	if bytes.ContainsAny(data, "\r\n") || strings.ContainsAny(id, "\r\n\x00") {
		return ErrBadEvent
	}
	// One Write per event, so a connection that dies mid-event loses that
	// whole event (the client drops events without their blank line).
	b := make([]byte, 0, len(id)+len(data)+16)
	if id != "" {
		b = append(b, "id: "...)
		b = append(b, id...)
		b = append(b, '\n')
	}
	b = append(b, "data: "...)
	b = append(b, data...)
	b = append(b, "\n\n"...)
	return write(w, b)
}

// WriteDone writes the stream's final "[DONE]" event.
func WriteDone(w http.ResponseWriter) error {
	return write(w, []byte("data: [DONE]\n\n"))
}

// WriteKeepAlive writes an SSE comment, which the client ignores; sent after
// ~15 s of silence it keeps proxies and load balancers from closing an idle
// stream.
func WriteKeepAlive(w http.ResponseWriter) error {
	return write(w, []byte(": keepalive\n\n"))
}

func write(w http.ResponseWriter, b []byte) error {
	if _, err := w.Write(b); err != nil {
		return err
	}
	// NewResponseController finds Flush through wrapping middleware
	// (Unwrap), which a plain http.Flusher assertion would miss.
	return http.NewResponseController(w).Flush()
}
