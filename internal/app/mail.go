package app

import (
	"context"
	"fmt"

	"github.com/kira-art/kira/internal/mail"
	"github.com/kira-art/kira/internal/notify"
)

// buildMail picks the sender — SMTP when SMTP_URL is set, else .eml files
// in MAIL_OUTBOX_DIR — and builds the notify service the mail jobs and the
// /mail routes use.
func (a *App) buildMail(context.Context) error {
	mc := a.cfg.Mail
	sender, err := a.mailSender()
	if err != nil {
		return err
	}
	key, err := notify.UnsubscribeKey(mc.UnsubscribeSecret, a.cfg.DataDir)
	if err != nil {
		return fmt.Errorf("unsubscribe key: %w", err)
	}
	a.notify = &notify.Service{Store: a.store, Sender: sender, From: mc.From, AppURL: mc.AppURL,
		PublicURL: a.cfg.PublicURL, UnsubscribeKey: key, Log: a.log}
	return nil
}

func (a *App) mailSender() (mail.Sender, error) {
	mc := a.cfg.Mail
	if mc.SMTPURL == "" {
		o, err := mail.NewOutbox(mc.OutboxDir, mc.From)
		if err != nil {
			return nil, fmt.Errorf("mail outbox: %w", err)
		}
		a.log.Info("mail: outbox (no SMTP_URL)", "dir", o.Dir())
		return o, nil
	}
	sc, err := mail.ParseSMTPURL(mc.SMTPURL)
	if err != nil {
		return nil, err
	}
	s, err := mail.NewSMTP(sc, mc.From)
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	a.log.Info("mail: smtp", "host", sc.Host, "port", sc.Port)
	return s, nil
}
