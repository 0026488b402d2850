package uistream

import "encoding/json"

// Read access to a chunk's fields, for code that replays a stored stream
// (a run taken over from an instance that died reads its log back to learn
// where it stopped). Chunks stay immutable: they are still made only by the
// constructors and ParseChunk.

// ID returns the text/reasoning block id or the data part id.
func (c Chunk) ID() string { return c.id }

// Delta returns a text or reasoning delta.
func (c Chunk) Delta() string { return c.delta }

// ToolCallID returns the tool call a tool chunk is about.
func (c Chunk) ToolCallID() string { return c.toolCallID }

// ToolName returns the tool's name (tool-input-start, tool-input-available).
func (c Chunk) ToolName() string { return c.toolName }

// Input returns the complete tool input of tool-input-available.
func (c Chunk) Input() json.RawMessage { return c.input }

// Metadata returns the message metadata of start, message-metadata and
// finish.
func (c Chunk) Metadata() json.RawMessage { return c.metadata }
