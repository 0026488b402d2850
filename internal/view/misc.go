package view

import (
	"encoding/json"

	"github.com/kira-art/kira/content"
)

// Message is {"message": "..."}: acknowledgements and errors.
type Message struct {
	Message string `json:"message"`
	Error   string `json:"error,omitempty"`
}

// OK is the plain acknowledgement {"message":"ok"}.
var OK = Message{Message: "ok"}

// RunStatus is GET /agent/task/{threadId}/status.
type RunStatus struct {
	Status      string          `json:"status"`
	RunID       string          `json:"runId,omitempty"`
	StartedAt   string          `json:"startedAt,omitempty"`
	UserMessage json.RawMessage `json:"userMessage,omitempty"` // the run's user message, as stored
}

// Stopped is the answer of POST /agent/task/{threadId}/stop.
type Stopped struct {
	Message string `json:"message"`
	Stopped bool   `json:"stopped"`
}

// HasVersions is GET /rewind/check.
type HasVersions struct {
	HasVersions bool `json:"hasVersions"`
}

// MessageList is GET /agent/chatMessages: stored UI messages, each already
// encoded (they are the client's own JSON, kept verbatim).
type MessageList struct {
	Messages []json.RawMessage `json:"messages"`
}

// VersionOrNull is {version: Version|null} (POST /agent/chatMessage: null
// when the message made no version).
type VersionOrNull struct {
	Version *Version `json:"version"`
}

// AuthBackgroundList is GET /user/authBg.
type AuthBackgroundList struct {
	Images []content.AuthBackground `json:"images"`
}
