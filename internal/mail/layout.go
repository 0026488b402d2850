package mail

import (
	"bytes"
	htmltemplate "html/template"
	"strings"
	"time"
)

// layout is what layout.txt and layout.html receive: the phrases already
// rendered for one kind and language. In the HTML copy the phrases are
// template.HTML because html/template escaped the data inside them while
// rendering the phrase; the URLs stay strings and are escaped by the layout.
type layout[S string | htmltemplate.HTML] struct {
	Lang                                string
	Subject                             string
	Greeting, Intro, Hint, Action, Note S
	Signoff, Unsubscribe                S
	ActionURL, UnsubscribeURL           string
}

func (p *phrases) layouts(kind Kind, data Data) (layout[string], layout[htmltemplate.HTML], error) {
	var tl layout[string]
	var hl layout[htmltemplate.HTML]
	fields := map[string][2]any{
		"greeting": {&tl.Greeting, &hl.Greeting}, "signoff": {&tl.Signoff, &hl.Signoff},
		"unsubscribe":           {&tl.Unsubscribe, &hl.Unsubscribe},
		string(kind) + ".intro": {&tl.Intro, &hl.Intro}, string(kind) + ".hint": {&tl.Hint, &hl.Hint},
		string(kind) + ".action": {&tl.Action, &hl.Action}, string(kind) + ".note": {&tl.Note, &hl.Note},
	}
	for name, dst := range fields {
		t, h, err := p.phrase(name, data)
		if err != nil {
			return tl, hl, err
		}
		*dst[0].(*string), *dst[1].(*htmltemplate.HTML) = t, htmltemplate.HTML(h) // escaped by html/template in phrase
	}
	subject, _, err := p.phrase(string(kind)+".subject", data)
	if err != nil {
		return tl, hl, err
	}
	tl.Subject, hl.Subject = subject, subject
	tl.ActionURL, hl.ActionURL = data.ActionURL, data.ActionURL
	if kind == KindDailyReward {
		tl.UnsubscribeURL, hl.UnsubscribeURL = data.UnsubscribeURL, data.UnsubscribeURL
	}
	return tl, hl, nil
}

// phrase renders one phrase as text and as escaped HTML, trimmed: the
// phrase files are laid out for reading, not for whitespace.
func (p *phrases) phrase(name string, data Data) (text, html string, err error) {
	var tb, hb bytes.Buffer
	if err := p.text.ExecuteTemplate(&tb, name, data); err != nil {
		return "", "", err
	}
	if err := p.html.ExecuteTemplate(&hb, name, data); err != nil {
		return "", "", err
	}
	return strings.TrimSpace(tb.String()), strings.TrimSpace(hb.String()), nil
}

// dateFormatter writes a date the way lang does, in UTC so every mail about
// one deletion shows the same day.
func dateFormatter(lang string) func(time.Time) string {
	layout := "January 2, 2006"
	switch lang {
	case "zh-CN", "zh-TW", "ja":
		layout = "2006年1月2日"
	case "ko":
		layout = "2006년 1월 2일"
	}
	return func(t time.Time) string { return t.UTC().Format(layout) }
}
