package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxTitleLen is the longest title Title returns, in characters.
const MaxTitleLen = 60

// titleInputLimit bounds how much of the user's text is sent: the opening
// is enough to name a chat, and a pasted essay must not cost a fortune.
const titleInputLimit = 2000

// titleReadLimit stops reading a chatty model early; the title is cut to
// MaxTitleLen anyway.
const titleReadLimit = 400

const titlePrompt = "You name chat threads. Reply with a short title (at most 6 words) " +
	"for a chat that starts with the user's message below. Use the user's language. " +
	"When the message has only attachments, name the chat after them. " +
	"Reply with the title only: no quotes, no trailing punctuation, no explanation."

// ErrEmptyTitle is returned when there is nothing to name a chat after (no
// text, no attachment) or the model produced no usable title.
var ErrEmptyTitle = errors.New("llm: empty title")

// TitleInput is what a chat's title is written from: its first user
// message. Text is used when it is not blank; otherwise the title names the
// attachments.
type TitleInput struct {
	Text        string
	Attachments []Attachment
}

// Attachment describes a file the message carries, from what the message
// and our file registry know about it. Every field may be empty.
type Attachment struct {
	MediaType string // "image/png"
	Filename  string // as the client named it
	// Prompt is what the file was generated from, when it is one of our
	// generated images.
	Prompt string
}

// Bounds on what an attachment contributes to the title request.
const (
	maxTitleAttachments = 4
	maxAttachmentName   = 100
	maxAttachmentPrompt = 300
)

func (in TitleInput) empty() bool {
	return strings.TrimSpace(in.Text) == "" && len(in.Attachments) == 0
}

// prompt is the user message sent to the model: the text, or a plain
// description of the attachments when there is none.
func (in TitleInput) prompt() string {
	text := strings.TrimSpace(in.Text)
	if text == "" {
		var b strings.Builder
		b.WriteString("(The message has no text, only attachments.)")
		for _, a := range in.Attachments[:min(len(in.Attachments), maxTitleAttachments)] {
			b.WriteString("\n- " + a.describe())
		}
		text = b.String()
	}
	return truncateRunes(text, titleInputLimit)
}

// describe reads like "an image (image/png) named "fox.png", made from the
// prompt "a red fox"".
func (a Attachment) describe() string {
	var b strings.Builder
	switch a.kind() {
	case "image":
		b.WriteString("an image")
	case "video":
		b.WriteString("a video")
	case "audio":
		b.WriteString("an audio file")
	default:
		b.WriteString("a file")
	}
	if mt := strings.TrimSpace(a.MediaType); mt != "" {
		fmt.Fprintf(&b, " (%s)", truncateRunes(mt, maxAttachmentName))
	}
	if n := strings.TrimSpace(a.Filename); n != "" {
		fmt.Fprintf(&b, " named %q", truncateRunes(n, maxAttachmentName))
	}
	if p := strings.TrimSpace(a.Prompt); p != "" {
		fmt.Fprintf(&b, ", made from the prompt %q", truncateRunes(p, maxAttachmentPrompt))
	}
	return b.String()
}

// kind is "image", "video", "audio" or "" from the media type, else from
// the file name's extension.
func (a Attachment) kind() string {
	mt := strings.ToLower(strings.TrimSpace(a.MediaType))
	if k, _, ok := strings.Cut(mt, "/"); ok && (k == "image" || k == "video" || k == "audio") {
		return k
	}
	name := strings.ToLower(a.Filename)
	ext := name[strings.LastIndexByte(name, '.')+1:]
	switch ext {
	case "png", "jpg", "jpeg", "webp", "gif", "heic", "heif", "avif", "bmp", "tif", "tiff":
		return "image"
	case "mp4", "mov", "webm", "mkv", "avi", "m4v":
		return "video"
	case "mp3", "wav", "m4a", "ogg", "flac", "aac", "opus":
		return "audio"
	}
	return ""
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Title asks m for a short title (≤ MaxTitleLen characters, no quotes) of a
// chat that starts with the message in: named after its text, or after its
// attachments when it has no text. ErrEmptyTitle when in holds neither or
// the model answers nothing usable.
func Title(ctx context.Context, m Model, in TitleInput) (string, error) {
	if in.empty() {
		return "", ErrEmptyTitle
	}
	s, err := m.Stream(ctx, Request{
		Purpose:  PurposeTitle,
		Messages: []Message{SystemMessage(titlePrompt), UserMessage(Text(in.prompt()))},
		title:    &in,
	})
	if err != nil {
		return "", err
	}
	defer s.Close()
	raw, err := readTitle(s)
	if err != nil {
		return "", err
	}
	t := CleanTitle(raw)
	if t == "" {
		return "", ErrEmptyTitle
	}
	return t, nil
}

// readTitle reads the model's answer up to its first line.
func readTitle(s Stream) (string, error) {
	var b strings.Builder
	for {
		ev, err := s.Next()
		if errors.Is(err, io.EOF) {
			return b.String(), nil
		}
		if err != nil {
			return "", err
		}
		if d, ok := ev.(TextDelta); ok {
			b.WriteString(d.Text)
			// The first line is all CleanTitle keeps; stop paying for more.
			if i := strings.IndexByte(strings.TrimLeft(b.String(), " \n\r\t"), '\n'); i > 0 || b.Len() > titleReadLimit {
				return b.String(), nil
			}
		}
	}
}

// titleQuotes are removed everywhere: a title never contains them.
const titleQuotes = "\"“”„«»「」『』`*#"

// CleanTitle turns raw model output (or user text) into a title: the first
// non-empty line, without a "Title:" prefix, quotes, markdown marks or
// trailing punctuation, whitespace collapsed, cut at a word boundary to
// MaxTitleLen characters.
func CleanTitle(s string) string {
	line := ""
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			line = l
			break
		}
	}
	line = strings.Map(func(r rune) rune {
		if strings.ContainsRune(titleQuotes, r) {
			return -1
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, line)
	line = strings.Join(strings.Fields(line), " ")
	if len(line) > 6 && strings.EqualFold(line[:6], "title:") {
		line = strings.TrimSpace(line[6:])
	}
	// Single quotes are kept inside words (don't) but not around the title.
	line = strings.Trim(line, "'‘’ ")
	line = strings.TrimRight(line, ".,;:!?。，；： ")
	r := []rune(line)
	if len(r) <= MaxTitleLen {
		return line
	}
	cut := string(r[:MaxTitleLen])
	if i := strings.LastIndexByte(cut, ' '); i > MaxTitleLen/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, ".,;:!?-–— ")
}
