package agent

import (
	"encoding/json"
	"strings"

	"github.com/kira-art/kira/internal/llm"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/uimsg"
)

const systemPrompt = `You are Kira, a creative assistant on an AI art platform. You make images, videos and music ` +
	`with your tools. Use generateImage for new pictures, editImage to change an existing image (pass its id), ` +
	`generateVideo for videos and generateMusic for songs. Keep replies short and friendly.`

// history turns stored v5 messages into model input: an assistant message
// is split at each step-start; tool parts with output become tool calls
// followed by their results (STREAMING.md §1).
func history(rows []store.Message) []llm.Message {
	out := []llm.Message{llm.SystemMessage(systemPrompt)}
	for _, row := range rows {
		m, _, err := uimsg.Parse(row.Body)
		if err != nil {
			continue
		}
		switch m.Role {
		case "user":
			out = append(out, llm.UserMessage(userParts(m)...))
		case "assistant":
			out = append(out, assistantSteps(m)...)
		}
	}
	return out
}

type rawPart struct {
	Type       string          `json:"type"`
	Text       string          `json:"text"`
	URL        string          `json:"url"`
	MediaType  string          `json:"mediaType"`
	Filename   string          `json:"filename"`
	ToolCallID string          `json:"toolCallId"`
	State      string          `json:"state"`
	Input      json.RawMessage `json:"input"`
	Output     json.RawMessage `json:"output"`
	ErrorText  string          `json:"errorText"`
}

func userParts(m uimsg.Message) []llm.Part {
	var parts []llm.Part
	for _, raw := range m.Parts {
		var p rawPart
		if json.Unmarshal(raw, &p) != nil {
			continue
		}
		switch {
		case p.Type == "text":
			parts = append(parts, llm.Text(p.Text))
		case p.Type == "file" && strings.HasPrefix(p.MediaType, "image/"):
			parts = append(parts, llm.Image(p.URL, p.Filename))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, llm.Text(""))
	}
	return parts
}

func assistantSteps(m uimsg.Message) []llm.Message {
	var out []llm.Message
	var text strings.Builder
	var calls []llm.ToolCall
	var results []llm.Message
	flush := func() {
		if text.Len() > 0 || len(calls) > 0 {
			out = append(out, llm.AssistantMessage(text.String(), calls...))
			out = append(out, results...)
		}
		text.Reset()
		calls, results = nil, nil
	}
	for _, raw := range m.Parts {
		var p rawPart
		if json.Unmarshal(raw, &p) != nil {
			continue
		}
		switch {
		case p.Type == "step-start":
			flush()
		case p.Type == "text":
			text.WriteString(p.Text)
		case strings.HasPrefix(p.Type, "tool-") && (p.State == "output-available" || p.State == "output-error"):
			name := strings.TrimPrefix(p.Type, "tool-")
			input := p.Input
			if len(input) == 0 {
				input = json.RawMessage("{}")
			}
			calls = append(calls, llm.ToolCall{ID: p.ToolCallID, Name: name, Args: input})
			if p.State == "output-error" {
				results = append(results, llm.ToolResult(p.ToolCallID, name, p.ErrorText, true))
			} else {
				results = append(results, llm.ToolResult(p.ToolCallID, name, string(p.Output), false))
			}
		}
	}
	flush()
	return out
}
