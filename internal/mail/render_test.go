package mail

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/kira-art/kira/content"
)

func fullData() Data {
	return Data{
		Nickname:       `<script>alert("x")</script> & Mei`,
		ActionURL:      "https://kira.example/settings?tab=account&x=1",
		UnsubscribeURL: "https://kira.example/mail/unsubscribe?t=a.b&u=1",
		Credits:        15,
		DeletionDate:   time.Date(2026, 12, 31, 23, 0, 0, 0, time.FixedZone("X", 3600)),
	}
}

func TestEveryTemplateInEveryLanguage(t *testing.T) {
	t.Parallel()
	r, err := NewRenderer(content.MailTemplates())
	if err != nil {
		t.Fatal(err)
	}
	data := fullData()
	for _, lang := range Languages {
		for _, kind := range Kinds {
			c, err := r.Render(kind, lang, data)
			if err != nil {
				t.Errorf("%s/%s: %v", kind, lang, err)
				continue
			}
			checkContent(t, kind, lang, c, data)
		}
	}
}

func checkContent(t *testing.T, kind Kind, lang string, c Content, data Data) {
	t.Helper()
	where := string(kind) + "/" + lang
	if c.Subject == "" || strings.ContainsAny(c.Subject, "\r\n<>") || !utf8.ValidString(c.Text+c.HTML) {
		t.Errorf("%s: subject %q", where, c.Subject)
	}
	if strings.Contains(c.HTML, "<script>") || !strings.Contains(c.HTML, "&lt;script&gt;") {
		t.Errorf("%s: nickname not escaped in HTML:\n%s", where, c.HTML)
	}
	if !strings.Contains(c.Text, data.Nickname) {
		t.Errorf("%s: text lacks the nickname verbatim:\n%s", where, c.Text)
	}
	if !strings.Contains(c.HTML, `href="https://kira.example/settings?tab=account&amp;x=1"`) ||
		!strings.Contains(c.Text, data.ActionURL) {
		t.Errorf("%s: action link missing", where)
	}
	if !strings.Contains(c.HTML, `lang="`+lang+`"`) || strings.Contains(c.Text+c.HTML, "<no value>") {
		t.Errorf("%s: bad HTML or missing value:\n%s", where, c.HTML)
	}
	daily := kind == KindDailyReward
	if strings.Contains(c.Text, data.UnsubscribeURL) != daily || strings.Contains(c.HTML, "unsubscribe?t=a.b&amp;u=1") != daily {
		t.Errorf("%s: unsubscribe link present = %v, want %v", where, !daily, daily)
	}
	if daily && !strings.Contains(c.Text, "15") {
		t.Errorf("%s: credits missing", where)
	}
	if kind == KindDeletionScheduled || kind == KindDeletionReminder {
		want := dateFormatter(lang)(data.DeletionDate) // UTC: December 31, not January 1
		if !strings.Contains(c.Text, want) || !strings.Contains(c.HTML, want) || !strings.Contains(want, "31") {
			t.Errorf("%s: deletion date %q missing", where, want)
		}
	}
}

func TestRenderFallsBackToEnglish(t *testing.T) {
	t.Parallel()
	en, err := Render(KindDeletionCancelled, "en", fullData())
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"", "fr-FR", "x-klingon", "de"} {
		c, err := Render(KindDeletionCancelled, lang, fullData())
		if err != nil || c != en {
			t.Errorf("%q did not fall back to English: %v", lang, err)
		}
	}
	ja, _ := Render(KindDeletionCancelled, "ja-JP", fullData())
	if !strings.Contains(ja.Subject, "アカウント") {
		t.Errorf("ja-JP subject %q", ja.Subject)
	}
	tw, _ := Render(KindDailyReward, "zh-Hant", fullData())
	if !strings.Contains(tw.Subject, "點數") {
		t.Errorf("zh-Hant subject %q", tw.Subject)
	}
}

func TestRenderRefusesIncompleteData(t *testing.T) {
	t.Parallel()
	cases := map[Kind]func(*Data){
		KindDailyReward:       func(d *Data) { d.UnsubscribeURL = "" },
		KindDeletionScheduled: func(d *Data) { d.DeletionDate = time.Time{} },
		KindDeletionReminder:  func(d *Data) { d.DeletionDate = time.Time{} },
		KindDeletionCompleted: func(d *Data) { d.ActionURL = "" },
	}
	for kind, mutate := range cases {
		d := fullData()
		mutate(&d)
		if _, err := Render(kind, "en", d); err == nil {
			t.Errorf("%s rendered without a required field", kind)
		}
	}
	if _, err := Render("nope", "en", fullData()); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("unknown kind: %v", err)
	}
}

// A language file missing a phrase, or using a field Data lacks, must
// fail at NewRenderer or Render, never mail "<no value>".
func TestRendererCatchesBrokenTemplates(t *testing.T) {
	t.Parallel()
	base := fstest.MapFS{}
	for _, name := range append(append([]string(nil), "layout.txt", "layout.html"), langFiles()...) {
		b, err := fsRead(name)
		if err != nil {
			t.Fatal(err)
		}
		base[name] = &fstest.MapFile{Data: b}
	}
	missing := clone(base)
	missing["ko.tmpl"] = &fstest.MapFile{Data: []byte(strings.Replace(string(base["ko.tmpl"].Data), `{{define "deletion_completed.note"}}{{end}}`, "", 1))}
	if _, err := NewRenderer(missing); err == nil || !strings.Contains(err.Error(), "deletion_completed.note") {
		t.Errorf("missing phrase: %v", err)
	}
	unknown := clone(base)
	unknown["ja.tmpl"] = &fstest.MapFile{Data: []byte(strings.Replace(string(base["ja.tmpl"].Data), "{{.Credits}}", "{{.Coins}}", 1))}
	r, err := NewRenderer(unknown)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Render(KindDailyReward, "ja", fullData()); err == nil {
		t.Error("unknown field rendered")
	}
}

func TestComposeDailyCarriesListUnsubscribe(t *testing.T) {
	t.Parallel()
	m, err := Compose(KindDailyReward, "ko-KR", "mei@example.com", fullData())
	if err != nil {
		t.Fatal(err)
	}
	if m.Headers["List-Unsubscribe"] != "<"+fullData().UnsubscribeURL+">" || !strings.Contains(m.Subject, "크레딧") {
		t.Fatalf("message %+v", m)
	}
	dir := t.TempDir()
	o, _ := NewOutbox(dir, "no-reply@kira.example")
	if err := o.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	raw, _ := os.ReadFile(dir + "/" + entries[0].Name())
	p := parse(t, raw)
	if p.subject != m.Subject || p.header.Get("List-Unsubscribe") != m.Headers["List-Unsubscribe"] || crlf(p.html) != crlf(m.HTML) {
		t.Errorf("outbox copy differs: %q", p.subject)
	}
}

func langFiles() []string {
	out := make([]string, len(Languages))
	for i, l := range Languages {
		out[i] = l + ".tmpl"
	}
	return out
}

func fsRead(name string) ([]byte, error) {
	return fs.ReadFile(content.MailTemplates(), name)
}

func clone(m fstest.MapFS) fstest.MapFS {
	out := fstest.MapFS{}
	for k, v := range m {
		out[k] = v
	}
	return out
}
