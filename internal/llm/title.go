package llm

import (
	"context"
	"errors"
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
	"Reply with the title only: no quotes, no trailing punctuation, no explanation."

// ErrEmptyTitle is returned when the model produced no usable title.
var ErrEmptyTitle = errors.New("llm: empty title")

// Title asks m for a short title (≤ MaxTitleLen characters, no quotes) of a
// chat that starts with firstUserText.
func Title(ctx context.Context, m Model, firstUserText string) (string, error) {
	text := strings.TrimSpace(firstUserText)
	if utf8.RuneCountInString(text) > titleInputLimit {
		text = string([]rune(text)[:titleInputLimit])
	}
	if text == "" {
		return "", ErrEmptyTitle
	}
	s, err := m.Stream(ctx, Request{
		Purpose:  PurposeTitle,
		Messages: []Message{SystemMessage(titlePrompt), UserMessage(Text(text))},
	})
	if err != nil {
		return "", err
	}
	defer s.Close()
	var b strings.Builder
	for {
		ev, err := s.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
		if d, ok := ev.(TextDelta); ok {
			b.WriteString(d.Text)
			// The first line is all CleanTitle keeps; stop paying for more.
			if i := strings.IndexByte(strings.TrimLeft(b.String(), " \n\r\t"), '\n'); i > 0 || b.Len() > titleReadLimit {
				break
			}
		}
	}
	t := CleanTitle(b.String())
	if t == "" {
		return "", ErrEmptyTitle
	}
	return t, nil
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
