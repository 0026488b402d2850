// Package notify decides which mail goes to whom: it turns a SendMail job
// into a rendered message for the right address and language, re-checks at
// send time that the mail still makes sense (the daily reminder of a user
// who claimed or unsubscribed meanwhile is skipped), queues the daily
// sweep, and signs and honours unsubscribe links. Rendering and delivery
// are internal/mail's; the jobs that call Send are internal/jobs'.
package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/kira-art/kira/internal/jobs/jobargs"
	"github.com/kira-art/kira/internal/mail"
	"github.com/kira-art/kira/internal/store"
)

// Service sends kira's mails.
type Service struct {
	Store  *store.Store
	Sender mail.Sender
	// From is MAIL_FROM; its domain ends every Message-ID.
	From string
	// AppURL is the web client (KIRA_APP_URL), the mails' button target.
	AppURL string
	// PublicURL is this server (KIRA_PUBLIC_URL), host of the unsubscribe
	// link.
	PublicURL string
	// UnsubscribeKey signs unsubscribe tokens (see UnsubscribeKey).
	UnsubscribeKey []byte
	Log            *slog.Logger
	Clock          func() time.Time // nil: time.Now
}

// SettingsPath is the web client's account settings page, the button of
// the deletion scheduled and reminder mails (where a deletion is cancelled).
const SettingsPath = "/settings"

func (s *Service) now() time.Time {
	if s.Clock != nil {
		return s.Clock()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// recipient is who a mail goes to.
type recipient struct {
	to, lang, nickname string
}

// Send renders and delivers one SendMail job. Nothing to send (the user is
// gone and nothing was captured, no email, a daily reminder that no longer
// applies, a deletion no longer scheduled) is a nil error. A delivery
// error keeps mail's classification (mail.IsTemporary); a mail that cannot
// be built is a permanent *mail.Error, so the worker does not retry it.
func (s *Service) Send(ctx context.Context, a jobargs.SendMail) error {
	kind := mail.Kind(a.Mail)
	rcpt, p, err := s.resolve(ctx, a)
	if err != nil || rcpt.to == "" {
		return err
	}
	data := mail.Data{Nickname: rcpt.nickname, ActionURL: s.AppURL}
	switch kind {
	case mail.KindDailyReward:
		if p == nil || !p.IsOpenNotification || !store.RewardClaimable(*p, s.now()) {
			return nil // claimed, unsubscribed or upgraded since it was queued
		}
		data.Credits, data.UnsubscribeURL = store.DailyRewardCredit, s.UnsubscribeURL(a.UserID)
	case mail.KindDeletionScheduled, mail.KindDeletionReminder:
		data.ActionURL = s.AppURL + SettingsPath
		if data.DeletionDate, err = s.deletionDate(ctx, a); err != nil || data.DeletionDate.IsZero() {
			return err
		}
	}
	m, err := mail.Compose(kind, rcpt.lang, rcpt.to, data)
	if err != nil {
		return &mail.Error{Err: err}
	}
	m.MessageID = MessageID(a.Event, s.From)
	if kind == mail.KindDailyReward {
		m.Headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click" // RFC 8058
	}
	if err := s.Sender.Send(ctx, m); err != nil {
		return fmt.Errorf("send %s to user %s: %w", kind, a.UserID, err)
	}
	s.log().InfoContext(ctx, "mail sent", "mail", kind, "user_id", a.UserID, "event", a.Event)
	return nil
}

// resolve finds the recipient: what the job captured, else the profile
// (returned too, for the daily checks). A missing profile without a
// captured address means nothing to send.
func (s *Service) resolve(ctx context.Context, a jobargs.SendMail) (recipient, *store.Profile, error) {
	if a.To != "" && mail.Kind(a.Mail) != mail.KindDailyReward {
		return recipient{to: a.To, lang: mail.MatchLanguage(a.Lang), nickname: a.Nickname}, nil, nil
	}
	p, err := s.Store.GetProfile(ctx, a.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return recipient{}, nil, nil
	}
	if err != nil {
		return recipient{}, nil, err
	}
	return recipient{to: p.Email, lang: mail.MatchLanguage(p.Language), nickname: p.Nickname}, &p, nil
}

// deletionDate is the captured date, else the scheduled deletion's; zero
// (skip) when the deletion is no longer scheduled.
func (s *Service) deletionDate(ctx context.Context, a jobargs.SendMail) (time.Time, error) {
	if a.DeletionDate != nil {
		return *a.DeletionDate, nil
	}
	at, err := s.Store.DeletionDate(ctx, a.UserID)
	if errors.Is(err, store.ErrNotFound) {
		s.log().InfoContext(ctx, "deletion mail skipped: nothing scheduled", "mail", a.Mail, "user_id", a.UserID)
		return time.Time{}, nil
	}
	return at, err
}

// MessageID is the stable Message-ID of an event's mail: a retried send
// (or a second job for the same event) carries the same id, which mail
// servers and clients use to recognise a duplicate.
func MessageID(event, from string) string {
	sum := sha256.Sum256([]byte(event))
	return hex.EncodeToString(sum[:]) + "@" + fromDomain(from)
}

// fromDomain is the domain of the From address ("kira.art" when it cannot
// be parsed: config validation has already looked at it).
func fromDomain(from string) string {
	if a, err := netmail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			return d
		}
	}
	return "kira.art"
}

// DailySweep queues today's reminder for every opted-in free user whose
// reward is claimable. Rerunning it the same UTC day queues nothing new.
func (s *Service) DailySweep(ctx context.Context) (int, error) {
	n, err := s.Store.QueueDailyMails(ctx, s.now())
	if err != nil {
		return n, err
	}
	s.log().InfoContext(ctx, "daily mails queued", "queued", n)
	return n, nil
}

// UnsubscribeURL is the signed link that turns userID's daily mail off.
func (s *Service) UnsubscribeURL(userID string) string {
	return s.PublicURL + "/mail/unsubscribe?token=" + url.QueryEscape(s.UnsubscribeToken(userID))
}
