package llm

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// plan is what the local model says in one step.
type plan struct {
	reasoning, text string
	call            *ToolCall
	finish          FinishReason
}

// script turns req into the full event sequence of one step.
func script(req Request) []Event {
	p := resumed(makePlan(req), req.Resume)
	var evs []Event
	out := 0
	if req.Thinking && p.reasoning != "" {
		for _, t := range tokens(p.reasoning) {
			evs = append(evs, ReasoningDelta{Text: t})
			out++
		}
	}
	for _, t := range tokens(p.text) {
		evs = append(evs, TextDelta{Text: t})
		out++
	}
	if c := p.call; c != nil {
		evs = append(evs, ToolCallStart{ID: c.ID, Name: c.Name})
		for _, piece := range splitN(string(c.Args), 3+int(hashOf(c.ID)%3)) {
			evs = append(evs, ToolCallDelta{ID: c.ID, ArgsDelta: piece})
			out++
		}
		evs = append(evs, ToolCallDone{ID: c.ID, Name: c.Name, Args: c.Args})
	}
	return append(evs, Usage{Input: inputTokens(req), Output: out}, Finish{Reason: p.finish})
}

// resumed cuts what an interrupted step already said off the plan: the
// same request makes the same plan, so the rest is its continuation. A
// prefix that is not the plan's (another model wrote it) ends the text.
func resumed(p plan, r *Resume) plan {
	if r == nil {
		return p
	}
	rest := func(full, said string) string {
		if after, ok := strings.CutPrefix(full, said); ok {
			return after
		}
		return ""
	}
	if r.Text != "" {
		p.reasoning = ""
		p.text = rest(p.text, r.Text)
	} else {
		p.reasoning = rest(p.reasoning, r.Reasoning)
	}
	return p
}

func makePlan(req Request) plan {
	last := req.Messages[len(req.Messages)-1]
	switch {
	case req.Purpose == PurposeTitle:
		return plan{text: localTitle(req), finish: FinishStop}
	case last.Role == RoleTool && interrupted(last):
		// The call was cut off before its arguments were complete (its
		// run was taken over): make it again.
		return firstPlan(req, lastUser(req.Messages))
	case last.Role == RoleTool:
		return closingPlan(req.Messages)
	case last.Role == RoleUser:
		return firstPlan(req, last)
	default:
		return plan{text: "What would you like me to create?", finish: FinishStop}
	}
}

// imageIDRe matches our image ids (API.md: "<prefix>_<uuid>").
var imageIDRe = regexp.MustCompile(`\b[a-z]+_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b`)

var ratioRe = regexp.MustCompile(`\b([1-9][0-9]?):([1-9][0-9]?)\b`)

var (
	videoWords = words("video videos clip clips animate animated animation animations movie trailer footage")
	musicWords = words("music musical song songs melody tune tunes soundtrack jingle lyrics sing singing lullaby ballad anthem instrumental")
	editWords  = words("edit change modify replace remove erase add recolor recolour colorize adjust fix turn transform restyle retouch convert swap brighten darken")
	// "make it blue" edits; "make a cat" does not.
	makeObjects = words("it this that the its her him them")
)

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

func wordList(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

func hasAny(ws []string, set map[string]bool) bool {
	for _, w := range ws {
		if set[w] {
			return true
		}
	}
	return false
}

// wantsTenSeconds spots "10s", "10 sec", "10 seconds", "ten seconds".
func wantsTenSeconds(ws []string) bool {
	for i, w := range ws {
		if w == "10s" || w == "10sec" {
			return true
		}
		if (w == "10" || w == "ten") && i+1 < len(ws) && secondWords[ws[i+1]] {
			return true
		}
	}
	return false
}

var secondWords = words("s sec secs second seconds")

func wantsEdit(ws []string) bool {
	for i, w := range ws {
		if editWords[w] || w == "make" && i+1 < len(ws) && makeObjects[ws[i+1]] {
			return true
		}
	}
	return false
}

// Argument shapes; struct field order fixes the JSON so the output is
// byte-for-byte repeatable.
type (
	imageArgs struct {
		Prompt string `json:"prompt"`
		Ratio  string `json:"ratio,omitempty"`
	}
	editArgs struct {
		ImageID string `json:"imageId"`
		Prompt  string `json:"prompt"`
	}
	videoArgs struct {
		Prompt        string `json:"prompt"`
		SourceImageID string `json:"sourceImageId,omitempty"`
		Duration      int    `json:"duration"`
		Ratio         string `json:"ratio"`
	}
	musicArgs struct {
		Prompt       string `json:"prompt"`
		Instrumental bool   `json:"instrumental,omitempty"`
	}
)

// stepOneText says what the model is about to make, by tool: the first
// list takes a bare subject ("a red fox in the snow"), the second one that
// names its own medium ("a watercolor painting of a fox").
var stepOneText = map[string][2][]string{
	ToolGenerateImage: {
		{"Sure! Let me create an image of %s.", "Great idea. Generating an image of %s now.", "On it: painting %s for you."},
		{"Sure! Let me create %s.", "Great idea. Creating %s now.", "On it: %s, coming right up."},
	},
	ToolEditImage: { // an edit is phrased in its own words, never whole
		{"Sure, editing your image: %s.", "Got it. Applying this edit: %s.", "Let me change the image: %s."}, nil,
	},
	ToolGenerateVideo: {
		{"Let me make a video of %s.", "Great, starting a video of %s.", "Rolling the camera on %s."},
		{"Let me make %s.", "Great, starting on %s.", "Rolling the camera for %s."},
	},
	ToolGenerateMusic: {
		{"Let me compose a song about %s.", "Great, writing a track about %s.", "Warming up the studio for a song about %s."},
		{"Let me compose %s.", "Great, writing %s now.", "Warming up the studio for %s."},
	},
}

// replySubject is what the reply names: the request paraphrased, with the
// edit's own words for edits.
func replySubject(tool, prompt string, textless bool) phrase {
	if textless {
		return phrase{text: "a fresh take on your image", whole: true}
	}
	mode := forReply
	if tool == ToolEditImage {
		mode |= keepVerb
	}
	if p := paraphrase(prompt, mode); p.text != "" {
		return p
	}
	return phrase{text: "your idea"}
}

func firstPlan(req Request, u Message) plan {
	text := strings.TrimSpace(u.Text())
	ids := messageImageIDs(u)
	hasImage := len(ids) > 0
	for _, p := range u.Content {
		hasImage = hasImage || p.Type == PartImage
	}
	if text == "" && !hasImage {
		return plan{text: "What would you like me to create?", finish: FinishStop}
	}
	prompt := strings.Join(strings.Fields(imageIDRe.ReplaceAllString(text, "")), " ")
	if prompt == "" {
		prompt = "a fresh, imaginative take on the attached image"
	}
	ws := wordList(text)
	var name string
	var args any
	switch {
	case hasAny(ws, videoWords):
		a := videoArgs{Prompt: prompt, Duration: 5, Ratio: "auto"}
		if len(ids) > 0 {
			a.SourceImageID = ids[0]
		}
		if wantsTenSeconds(ws) {
			a.Duration = 10
		}
		if r := ratioRe.FindString(text); r == "16:9" || r == "9:16" || r == "1:1" {
			a.Ratio = r
		}
		name, args = ToolGenerateVideo, a
	case hasAny(ws, musicWords):
		name, args = ToolGenerateMusic, musicArgs{Prompt: prompt, Instrumental: slices.Contains(ws, "instrumental")}
	default:
		// An edit applies to the attached image or, for follow-ups like
		// "now make it blue", the latest image of the chat. Without an id
		// anywhere there is nothing to pass, so it becomes a new image.
		if id := editTarget(req.Messages, ids); wantsEdit(ws) && id != "" {
			name, args = ToolEditImage, editArgs{ImageID: id, Prompt: prompt}
		} else {
			name, args = ToolGenerateImage, imageArgs{Prompt: prompt, Ratio: ratioRe.FindString(text)}
		}
	}
	seed := hashOf(text + "\x00" + strings.Join(ids, ","))
	subject := replySubject(name, prompt, text == "")
	reasoning := fmt.Sprintf("Request: %s. The right tool is %s; I will pass their request as the prompt and keep it faithful.", subject.text, name)
	if !offered(req.Tools, name) {
		return plan{reasoning: reasoning, finish: FinishStop,
			text: fmt.Sprintf("I can't use %s right now, but here is what I would make: %s.", name, subject.text)}
	}
	raw, _ := json.Marshal(args) // plain structs of strings, ints and bools
	id := fmt.Sprintf("call_%016x", seed^uint64(len(req.Messages)))
	variants := stepOneText[name][0]
	if subject.whole && stepOneText[name][1] != nil {
		variants = stepOneText[name][1]
	}
	return plan{
		reasoning: reasoning,
		text:      fmt.Sprintf(variants[seed%uint64(len(variants))], subject.text),
		call:      &ToolCall{ID: id, Name: name, Args: raw},
		finish:    FinishToolCalls,
	}
}

// editTarget is the image an edit applies to: one in the new message, else
// the most recent one anywhere in the conversation (e.g. the image the
// previous turn generated — "now make it blue").
func editTarget(msgs []Message, current []string) string {
	if len(current) > 0 {
		return current[0]
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if ids := messageImageIDs(msgs[i]); len(ids) > 0 {
			return ids[len(ids)-1]
		}
	}
	return ""
}

// messageImageIDs lists the image ids m mentions: image parts first (their
// ImageID, or an id inside the URL), then ids written in the text.
func messageImageIDs(m Message) []string {
	var ids []string
	for _, p := range m.Content {
		switch {
		case p.Type == PartImage && p.ImageID != "":
			ids = append(ids, p.ImageID)
		case p.Type == PartImage:
			ids = append(ids, imageIDRe.FindAllString(p.URL, 1)...)
		}
	}
	ids = append(ids, imageIDRe.FindAllString(m.Text(), -1)...)
	for _, c := range m.ToolCalls {
		ids = append(ids, imageIDRe.FindAllString(string(c.Args), -1)...)
	}
	return ids
}

func offered(tools []Tool, name string) bool {
	for _, t := range tools {
		if t.Name == name {
			return true
		}
	}
	return false
}

var closingText = map[string]string{
	ToolGenerateImage: "Here is your image. Want a different style, ratio or more variations?",
	ToolEditImage:     "Here is the edited image. Tell me if you want more changes.",
	ToolGenerateVideo: "Your video is being generated; it will appear here when it is ready.",
	ToolGenerateMusic: "Your music is being composed; it will appear here when it is ready.",
}

// closingPlan answers the tool results at the end of msgs, never with
// another tool call: that is what ends the agent loop.
func closingPlan(msgs []Message) plan {
	res := msgs[len(msgs)-1]
	name := res.Name
	if name == "" {
		name = callName(msgs, res.ToolCallID)
	}
	p := plan{finish: FinishStop,
		reasoning: fmt.Sprintf("The %s call has returned. I will tell the user what happened in one sentence.", name)}
	if msg, failed := toolFailure(res); failed {
		p.text = fmt.Sprintf("Sorry, %s did not work: %s.", name, msg)
	} else if t, ok := closingText[name]; ok {
		p.text = t
	} else {
		p.text = "Done."
	}
	return p
}

func callName(msgs []Message, id string) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, c := range msgs[i].ToolCalls {
			if c.ID == id {
				return c.Name
			}
		}
	}
	return "the tool"
}

// toolFailure reports whether a tool result is an error: IsError, or a JSON
// object with an "error" key, which is how tool errors read when the agent
// passes them through as content.
func toolFailure(m Message) (string, bool) {
	content := strings.TrimSpace(m.Text())
	var obj struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal([]byte(content), &obj) == nil && len(obj.Error) > 0 && string(obj.Error) != "null" {
		var s string
		var nested struct {
			Message string `json:"message"`
		}
		switch {
		case json.Unmarshal(obj.Error, &s) == nil:
			content = s
		case json.Unmarshal(obj.Error, &nested) == nil && nested.Message != "":
			content = nested.Message
		}
		m.IsError = true
	}
	if !m.IsError {
		return "", false
	}
	if content == "" {
		content = "unknown error"
	}
	return strings.TrimRight(firstWords(content, 30), ".! "), true
}

// interrupted reports a tool result saying the call was cut off (the
// agent's wording for a call a dead instance left half-written).
func interrupted(m Message) bool {
	return m.IsError && strings.Contains(m.Text(), "interrupted while this tool call was being written")
}

func lastUser(msgs []Message) Message {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == RoleUser {
			return msgs[i]
		}
	}
	return Message{}
}
