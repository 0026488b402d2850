package mail

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/kira-art/kira/content"
)

// Kind names one mail template.
type Kind string

// The mails kira sends.
const (
	KindDailyReward       Kind = "daily_reward"
	KindDeletionScheduled Kind = "deletion_scheduled"
	KindDeletionReminder  Kind = "deletion_reminder"
	KindDeletionCancelled Kind = "deletion_cancelled"
	KindDeletionCompleted Kind = "deletion_completed"
)

// Kinds lists every Kind, for callers and tests that walk them all.
var Kinds = []Kind{KindDailyReward, KindDeletionScheduled, KindDeletionReminder, KindDeletionCancelled, KindDeletionCompleted}

// Data is what the templates may use, the same struct for both parts.
type Data struct {
	// Nickname greets the user; empty greets generically. User input: the
	// HTML part escapes it.
	Nickname string
	// ActionURL is the button's target: the app for the daily and the
	// cancelled/completed mails, the account settings for the deletion
	// scheduled/reminder mails. Required.
	ActionURL string
	// UnsubscribeURL is the signed link that turns the daily mail off.
	// Required for KindDailyReward; Compose also puts it in List-Unsubscribe.
	UnsubscribeURL string
	// Credits is the balance the daily top-up restores. Required for the
	// daily mail.
	Credits int
	// DeletionDate is when the account goes; shown as a date in UTC.
	// Required for the scheduled and reminder mails.
	DeletionDate time.Time
}

// check reports the fields kind needs and data lacks, so a caller's slip
// fails the send instead of mailing "deleted on January 1, 0001".
func (d Data) check(kind Kind) error {
	var missing []string
	if d.ActionURL == "" {
		missing = append(missing, "ActionURL")
	}
	switch kind {
	case KindDailyReward:
		if d.UnsubscribeURL == "" {
			missing = append(missing, "UnsubscribeURL")
		}
		if d.Credits <= 0 {
			missing = append(missing, "Credits")
		}
	case KindDeletionScheduled, KindDeletionReminder:
		if d.DeletionDate.IsZero() {
			missing = append(missing, "DeletionDate")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("mail: %s needs %s", kind, strings.Join(missing, ", "))
	}
	return nil
}

// Content is a rendered mail, ready to become a Message.
type Content struct {
	Subject, Text, HTML string
}

// Renderer holds the parsed templates of every language.
type Renderer struct {
	langs map[string]*phrases
	text  *texttemplate.Template
	html  *htmltemplate.Template
}

// phrases is one language's file, parsed once as text and once as HTML:
// the phrases carry no markup, so the same source serves both parts and the
// HTML copy escapes whatever data it inserts.
type phrases struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// pieces are the phrases every language defines for every kind; hint and
// note may be empty.
var pieces = []string{"subject", "intro", "hint", "action", "note"}

// common are the phrases shared by every kind.
var common = []string{"greeting", "signoff", "unsubscribe"}

// NewRenderer parses fsys (laid out like content/mail/) and checks that
// every language defines every phrase, so a missing translation fails at
// start-up, not in a user's inbox.
func NewRenderer(fsys fs.FS) (*Renderer, error) {
	r := &Renderer{langs: map[string]*phrases{}}
	var err error
	if r.text, err = texttemplate.New("layout.txt").Option("missingkey=error").ParseFS(fsys, "layout.txt"); err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	if r.html, err = htmltemplate.New("layout.html").Option("missingkey=error").ParseFS(fsys, "layout.html"); err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	for _, lang := range Languages {
		p, err := parsePhrases(fsys, lang)
		if err != nil {
			return nil, err
		}
		r.langs[lang] = p
	}
	return r, nil
}

func parsePhrases(fsys fs.FS, lang string) (*phrases, error) {
	src, err := fs.ReadFile(fsys, lang+".tmpl")
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	funcs := map[string]any{"date": dateFormatter(lang)}
	p := &phrases{}
	if p.text, err = texttemplate.New(lang).Option("missingkey=error").Funcs(funcs).Parse(string(src)); err != nil {
		return nil, fmt.Errorf("mail: %s: %w", lang, err)
	}
	if p.html, err = htmltemplate.New(lang).Option("missingkey=error").Funcs(funcs).Parse(string(src)); err != nil {
		return nil, fmt.Errorf("mail: %s: %w", lang, err)
	}
	var missing []string
	for _, name := range names() {
		if p.text.Lookup(name) == nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("mail: %s.tmpl lacks %s", lang, strings.Join(missing, ", "))
	}
	return p, nil
}

// names lists every phrase a language file must define.
func names() []string {
	out := append([]string(nil), common...)
	for _, k := range Kinds {
		for _, p := range pieces {
			out = append(out, string(k)+"."+p)
		}
	}
	return out
}

var defaultRenderer = sync.OnceValues(func() (*Renderer, error) {
	return NewRenderer(content.MailTemplates())
})

// Render renders kind in the language best matching lang (see
// MatchLanguage) with the shipped templates.
func Render(kind Kind, lang string, data Data) (Content, error) {
	r, err := defaultRenderer()
	if err != nil {
		return Content{}, err
	}
	return r.Render(kind, lang, data)
}

// Compose renders kind for the recipient to and returns the Message, with
// List-Unsubscribe on the daily mail (RFC 2369).
func Compose(kind Kind, lang, to string, data Data) (Message, error) {
	c, err := Render(kind, lang, data)
	if err != nil {
		return Message{}, err
	}
	m := Message{To: to, Subject: c.Subject, Text: c.Text, HTML: c.HTML}
	if kind == KindDailyReward {
		m.Headers = map[string]string{"List-Unsubscribe": "<" + data.UnsubscribeURL + ">"}
	}
	return m, nil
}

// ErrUnknownKind is returned by Render for a Kind outside Kinds.
var ErrUnknownKind = errors.New("mail: unknown kind")

// Render renders kind in the language best matching lang.
func (r *Renderer) Render(kind Kind, lang string, data Data) (Content, error) {
	if !knownKind(kind) {
		return Content{}, fmt.Errorf("%w %q", ErrUnknownKind, kind)
	}
	if err := data.check(kind); err != nil {
		return Content{}, err
	}
	lang = MatchLanguage(lang)
	p := r.langs[lang]
	tl, hl, err := p.layouts(kind, data)
	if err != nil {
		return Content{}, fmt.Errorf("mail: %s/%s: %w", kind, lang, err)
	}
	tl.Lang, hl.Lang = lang, lang
	var text, html bytes.Buffer
	if err := r.text.Execute(&text, tl); err != nil {
		return Content{}, fmt.Errorf("mail: %s/%s text: %w", kind, lang, err)
	}
	if err := r.html.Execute(&html, hl); err != nil {
		return Content{}, fmt.Errorf("mail: %s/%s html: %w", kind, lang, err)
	}
	return Content{Subject: tl.Subject, Text: text.String(), HTML: html.String()}, nil
}

func knownKind(k Kind) bool {
	for _, known := range Kinds {
		if k == known {
			return true
		}
	}
	return false
}
