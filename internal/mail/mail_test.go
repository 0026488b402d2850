package mail

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sample() Message {
	return Message{
		To:        "Mei <mei@example.com>",
		Subject:   "今日の報酬が届いています 🎁",
		Text:      "Hello Mei,\nyour reward is waiting.\n",
		HTML:      "<p>Hello Mei, your reward is <b>waiting</b>.</p>",
		Headers:   map[string]string{"List-Unsubscribe": "<https://kira.example/mail/unsubscribe?t=abc>"},
		MessageID: "daily-42@kira.example",
	}
}

// parsed is a message read back with the standard library only, so the
// test checks the wire format rather than go-mail's view of it.
type parsed struct {
	header      mail.Header
	subject     string
	text, html  string
	contentType string
}

func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("ReadMessage: %v\n%s", err, raw)
	}
	p := parsed{header: msg.Header}
	if p.subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	p.contentType = mt
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := r.NextPart() // decodes quoted-printable for us
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("NextPart: %v", err)
		}
		body, err := io.ReadAll(part)
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		switch ct {
		case "text/plain":
			p.text = string(body)
		case "text/html":
			p.html = string(body)
		default:
			t.Errorf("unexpected part %q", ct)
		}
	}
	return p
}

func checkParsed(t *testing.T, p parsed, want Message, from string) {
	t.Helper()
	if p.contentType != "multipart/alternative" {
		t.Errorf("Content-Type = %q", p.contentType)
	}
	if p.subject != want.Subject {
		t.Errorf("Subject = %q, want %q", p.subject, want.Subject)
	}
	if crlf(p.text) != crlf(want.Text) || crlf(p.html) != crlf(want.HTML) {
		t.Errorf("bodies = %q / %q", p.text, p.html)
	}
	for k, v := range map[string]string{
		"Message-Id": "<" + want.MessageID + ">", "Mime-Version": "1.0",
		"List-Unsubscribe": want.Headers["List-Unsubscribe"],
	} {
		if got := p.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if a, err := p.header.AddressList("To"); err != nil || a[0].Address != "mei@example.com" {
		t.Errorf("To = %v, %v", a, err)
	}
	if a, err := p.header.AddressList("From"); err != nil || a[0].String() != from {
		t.Errorf("From = %v, %v (want %s)", a, err, from)
	}
	if d, err := p.header.Date(); err != nil || time.Since(d) > time.Hour {
		t.Errorf("Date = %v, %v", d, err)
	}
}

func TestOutboxWritesParseableMessage(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "outbox")
	o, err := NewOutbox(dir, "Kira <no-reply@kira.example>")
	if err != nil {
		t.Fatal(err)
	}
	want := sample()
	if err := o.Send(context.Background(), want); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || !strings.HasSuffix(entries[0].Name(), "-daily-42@kira.example.eml") {
		t.Fatalf("outbox holds %v", entries)
	}
	raw, err := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("\r\n")) || !bytes.Contains(raw, []byte("=?UTF-8?q?")) {
		t.Errorf("not CRLF RFC 5322 with an RFC 2047 subject:\n%s", raw)
	}
	checkParsed(t, parse(t, raw), want, `"Kira" <no-reply@kira.example>`)
}

func TestOutboxAtomicAndGeneratesIDs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o, err := NewOutbox(dir, "no-reply@kira.example")
	if err != nil {
		t.Fatal(err)
	}
	m := sample()
	m.MessageID = ""
	const n = 20
	errs := make(chan error, n)
	for range n {
		go func() { errs <- o.Send(context.Background(), m) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(dir)
	ids := map[string]bool{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".eml") || strings.HasPrefix(e.Name(), ".") {
			t.Errorf("leftover %s", e.Name())
			continue
		}
		raw, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		id := parse(t, raw).header.Get("Message-Id")
		if !strings.HasSuffix(id, "@kira.example>") || ids[id] {
			t.Errorf("message id %q not fresh on the sender's domain", id)
		}
		ids[id] = true
	}
	if len(ids) != n {
		t.Errorf("%d messages, want %d", len(ids), n)
	}
}

func TestOutboxRejectsBadMessagesPermanently(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o, _ := NewOutbox(dir, "no-reply@kira.example")
	bad := map[string]func(*Message){
		"no html":         func(m *Message) { m.HTML = "" },
		"bad to":          func(m *Message) { m.To = "not an address" },
		"subject CRLF":    func(m *Message) { m.Subject = "hi\r\nBcc: x@evil.example" },
		"header CRLF":     func(m *Message) { m.Headers = map[string]string{"X-A": "a\nBcc: x@evil.example"} },
		"reserved header": func(m *Message) { m.Headers = map[string]string{"bcc": "x@evil.example"} },
		"bad id":          func(m *Message) { m.MessageID = "a>b" },
	}
	for name, mutate := range bad {
		m := sample()
		mutate(&m)
		err := o.Send(context.Background(), m)
		if err == nil || IsTemporary(err) {
			t.Errorf("%s: err = %v, want permanent", name, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("bad messages left files: %v", entries)
	}
}

// crlf normalises line ends: RFC 5322 bodies travel with CRLF.
func crlf(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
