// Package mail sends kira's transactional mail: a Message is built into one
// RFC 5322 multipart/alternative message (text and HTML) and handed to a
// Sender — the outbox directory by default, SMTP in production. The
// templates (content/mail/) are rendered here too, localized by language
// with an English fallback. Jobs and HTTP routes that send mail live
// elsewhere; this package only builds, renders and delivers.
//
// Configuration, read by the caller: MAIL_FROM is the From address of both
// backends; SMTP_URL (ParseSMTPURL) selects SMTP, and without it the app
// uses NewOutbox on $KIRA_DATA_DIR/outbox/. smtp:// requires STARTTLS
// except on a loopback host, where it is used when offered; smtps:// is
// implicit TLS.
package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one mail to one recipient. Text and HTML are both sent, as the
// two parts of a multipart/alternative body.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
	// Headers are extra header fields, e.g. List-Unsubscribe on the daily
	// mail. The fields Build sets itself cannot be overridden here.
	Headers map[string]string
	// MessageID is the Message-ID without angle brackets. Senders generate
	// one when it is empty; callers that must never send the same event
	// twice set a stable one so a retried send can be recognised.
	MessageID string
}

// Sender delivers messages. Implementations return errors that
// IsTemporary classifies: true when retrying later may succeed.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Error is a failed send, classified for the caller's retry decision.
type Error struct {
	// Temporary is true for network failures and 4xx replies: retry later.
	// It is false for 5xx replies and for messages that cannot be built.
	Temporary bool
	// Code is the SMTP reply code when the server gave one, otherwise 0.
	Code int
	Err  error
}

func (e *Error) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	return fmt.Sprintf("mail: %s failure: %v", kind, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// IsTemporary reports whether err is worth retrying. Errors that are not
// an *Error (say, a cancelled context) count as temporary: nothing says the
// message itself is at fault.
func IsTemporary(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Temporary
	}
	return true
}

func permanent(err error) error { return &Error{Err: err} }

func temporary(err error) error { return &Error{Temporary: true, Err: err} }

// reserved are the fields Build owns; a Headers entry naming one would
// produce a duplicate or contradicting field.
var reserved = map[string]bool{
	"from": true, "to": true, "cc": true, "bcc": true, "subject": true, "date": true,
	"message-id": true, "mime-version": true, "content-type": true,
	"content-transfer-encoding": true,
}

// Build turns m into a go-mail message from the given sender address, dated
// now. Both backends write this same message, so the outbox shows exactly
// what SMTP would have sent. It fills m.MessageID when empty.
func Build(from string, m *Message, now time.Time) (*gomail.Msg, error) {
	if m.Text == "" || m.HTML == "" {
		return nil, permanent(errors.New("message needs both a text and an HTML body"))
	}
	if m.MessageID == "" {
		m.MessageID = newMessageID(from)
	}
	if err := validHeaderValue(m.MessageID); err != nil || strings.ContainsAny(m.MessageID, "<> ") {
		return nil, permanent(fmt.Errorf("invalid message id %q", m.MessageID))
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(from); err != nil {
		return nil, permanent(fmt.Errorf("from %q: %w", from, err))
	}
	if err := msg.To(m.To); err != nil {
		return nil, permanent(fmt.Errorf("to %q: %w", m.To, err))
	}
	if err := validHeaderValue(m.Subject); err != nil {
		return nil, permanent(fmt.Errorf("subject: %w", err))
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(now)
	msg.SetMessageIDWithValue(m.MessageID)
	if err := setHeaders(msg, m.Headers); err != nil {
		return nil, permanent(err)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	return msg, nil
}

// setHeaders adds the extra fields in a stable order (maps are unordered
// and the outbox should not differ from run to run).
func setHeaders(msg *gomail.Msg, h map[string]string) error {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !validHeaderName(k) || reserved[strings.ToLower(k)] {
			return fmt.Errorf("header %q is not allowed", k)
		}
		if err := validHeaderValue(h[k]); err != nil {
			return fmt.Errorf("header %q: %w", k, err)
		}
		msg.SetGenHeader(gomail.Header(k), h[k])
	}
	return nil
}

// validHeaderName accepts RFC 5322 field names: printable ASCII but colon.
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] <= ' ' || k[i] > '~' || k[i] == ':' {
			return false
		}
	}
	return true
}

// validHeaderValue refuses line breaks, which would let a value start a
// header field of its own (header injection).
func validHeaderValue(v string) error {
	if strings.ContainsAny(v, "\r\n") {
		return errors.New("line break in header value")
	}
	return nil
}

// newMessageID makes a random id on the sender's domain, as RFC 5322
// §3.6.4 recommends, so ids stay unique across hosts.
func newMessageID(from string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	domain := "kira.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 && i < len(a.Address)-1 {
			domain = a.Address[i+1:]
		}
	}
	return hex.EncodeToString(b[:]) + "@" + domain
}
