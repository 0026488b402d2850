package llm

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxTitleWords is how many words the local model's titles keep.
const maxTitleWords = 6

// localTitle names a chat the way a small model would: the subject of its
// first message ("draw a red fox in the snow" → "Red fox in the snow"), or
// what it attached when it has no text. It is never empty.
func localTitle(req Request) string {
	in := TitleInput{Text: lastUser(req.Messages).Text()}
	for _, p := range lastUser(req.Messages).Content {
		if p.Type == PartImage {
			in.Attachments = append(in.Attachments, Attachment{MediaType: "image/*"})
		}
	}
	if req.title != nil {
		in = *req.title
	}
	if t := textTitle(in.Text); t != "" {
		return t
	}
	if len(in.Attachments) > 0 {
		return attachmentTitle(in.Attachments)
	}
	return "New chat"
}

// textTitle is the subject of text without its article, cut to a few
// words, or its first words when the subject says nothing ("hi" → "Hi",
// "animate this" → "Animate this").
func textTitle(text string) string {
	ws := strings.Fields(paraphrase(text, 0).text)
	if allIn(ws, vagueWords) {
		ws = nil
	}
	if len(ws) > 1 && articles[wordKey(ws[0])] {
		ws = ws[1:]
	}
	t := CleanTitle(strings.Join(titleWords(ws), " "))
	if t == "" {
		plain := imageIDRe.ReplaceAllString(strings.ToValidUTF8(text, ""), " ")
		t = CleanTitle(firstWords(plain, maxTitleWords))
	}
	return capitalize(t)
}

// titleWords cuts ws to maxTitleWords, or up to two more when that ends on
// a content word rather than dangling ("… in the snow at" + "night").
func titleWords(ws []string) []string {
	for n := maxTitleWords; n <= min(len(ws), maxTitleWords+2); n++ {
		if !functionWords[wordKey(ws[n-1])] {
			return ws[:n]
		}
	}
	return trimTail(ws[:min(len(ws), maxTitleWords)])
}

// attachmentTitle names attachments: by the prompt an image was made
// from, else by a file name that says something, else by their kind.
func attachmentTitle(as []Attachment) string {
	for _, a := range as {
		if t := textTitle(a.Prompt); t != "" {
			return t
		}
	}
	for _, a := range as {
		if t := filenameTitle(a.Filename); t != "" {
			return t
		}
	}
	switch as[0].kind() {
	case "image":
		return "Image edit"
	case "video":
		return "Video edit"
	case "audio":
		return "Audio clip"
	}
	return "Shared file"
}

// filenameTitle makes "red_fox-in-snow.png" "Red fox in snow"; names that
// say nothing ("IMG_2041.JPG", "Screenshot 2024-05-01 at 10.00.00.png",
// one of our ids) give "".
func filenameTitle(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 6 {
		name = name[:i]
	}
	name = imageIDRe.ReplaceAllString(name, " ")
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune("_-.+~()[]{}", r) {
			return ' '
		}
		return r
	}, name)
	var ws []string
	meaningful := false
	for _, w := range strings.Fields(name) {
		k := wordKey(w)
		if strings.IndexFunc(k, unicode.IsDigit) >= 0 || genericFileWords[k] || utf8.RuneCountInString(k) < 2 && !functionWords[k] {
			continue
		}
		ws = append(ws, w)
		meaningful = meaningful || !functionWords[k]
	}
	for len(ws) > 0 && functionWords[wordKey(ws[0])] {
		ws = ws[1:]
	}
	if !meaningful {
		return ""
	}
	return capitalize(CleanTitle(strings.Join(titleWords(ws), " ")))
}

// capitalize upper-cases the first letter when the first word is all lower
// case, so "iPhone photo" keeps its spelling.
func capitalize(s string) string {
	first, _, _ := strings.Cut(s, " ")
	if s == "" || first != strings.ToLower(first) {
		return s
	}
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToTitle(r)) + s[size:]
}
