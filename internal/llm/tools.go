package llm

import "encoding/json"

// The server-side tools of API.md §3.1. The names are fixed: they appear
// in stored messages as "tool-<name>" parts.
const (
	ToolGenerateImage = "generateImage"
	ToolEditImage     = "editImage"
	ToolGenerateVideo = "generateVideo"
	ToolGenerateMusic = "generateMusic"
)

// The JSON Schemas follow API.md §3.1 exactly: optional arguments there
// ("ratio?") are not required here, enums and ranges are spelled out so
// providers that honour schemas never produce a call the tool rejects.
// additionalProperties is false so a model cannot smuggle in fields the
// tools would silently ignore.
var toolDefs = []struct {
	name, description, schema string
}{
	{ToolGenerateImage,
		"Generate new images from a text prompt. Use for any request for a picture, photo, illustration or design that does not change an existing image.",
		`{"type":"object","properties":{` +
			`"prompt":{"type":"string","minLength":1,"description":"Detailed description of the image to create, in English."},` +
			`"ratio":{"type":"string","pattern":"^(auto|[1-9][0-9]?:[1-9][0-9]?)$","description":"Aspect ratio width:height, e.g. 1:1, 16:9, 9:16, 4:3, 3:4, or auto."},` +
			`"model":{"type":"string","enum":["lite","nova","ultra"],"description":"Image model: lite (fast), nova (balanced), ultra (best quality)."},` +
			`"count":{"type":"integer","minimum":1,"maximum":4,"description":"Number of images, 1 to 4."},` +
			`"seed":{"type":"integer","minimum":0,"maximum":2147483647,"description":"Random seed for reproducible results."}` +
			`},"required":["prompt"],"additionalProperties":false}`},
	{ToolEditImage,
		"Edit an existing image (one the user attached or one generated earlier in this chat) according to an instruction.",
		`{"type":"object","properties":{` +
			`"imageId":{"type":"string","minLength":1,"description":"Id of the image to edit, exactly as shown in the conversation."},` +
			`"prompt":{"type":"string","minLength":1,"description":"What to change in the image."}` +
			`},"required":["imageId","prompt"],"additionalProperties":false}`},
	{ToolGenerateVideo,
		"Generate a short video from a text prompt, optionally starting from an image. The video is produced in the background.",
		`{"type":"object","properties":{` +
			`"prompt":{"type":"string","minLength":1,"description":"Description of the video: subject, motion, camera, style."},` +
			`"sourceImageId":{"type":"string","minLength":1,"description":"Id of an image to use as the first frame (image-to-video)."},` +
			`"duration":{"type":"integer","enum":[5,10],"description":"Length in seconds: 5 or 10."},` +
			`"ratio":{"type":"string","enum":["auto","16:9","9:16","1:1"],"description":"Aspect ratio."}` +
			`},"required":["prompt","duration","ratio"],"additionalProperties":false}`},
	{ToolGenerateMusic,
		"Generate a piece of music or a song. The audio is produced in the background.",
		`{"type":"object","properties":{` +
			`"prompt":{"type":"string","minLength":1,"description":"Description of the music: mood, genre, instruments, theme."},` +
			`"lyrics":{"type":"string","description":"Song lyrics, if the user wants specific words sung."},` +
			`"style":{"type":"string","description":"Musical style or genre, e.g. lo-fi hip hop."},` +
			`"instrumental":{"type":"boolean","description":"True for music without vocals."}` +
			`},"required":["prompt"],"additionalProperties":false}`},
}

// Tools returns the four server-side tool definitions, in a fixed order.
// Each call returns fresh copies, so callers may modify them.
func Tools() []Tool {
	out := make([]Tool, len(toolDefs))
	for i, d := range toolDefs {
		out[i] = Tool{Name: d.name, Description: d.description, Parameters: json.RawMessage(d.schema)}
	}
	return out
}
