package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// DefaultSMTPTimeout bounds dialling and each SMTP exchange, so a stuck
// server fails the send (temporarily) instead of hanging the job.
const DefaultSMTPTimeout = 30 * time.Second

// SMTPConfig is a parsed SMTP_URL.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	// ImplicitTLS is smtps://: TLS from the first byte (port 465 by default).
	ImplicitTLS bool
	// OptionalTLS lets smtp:// go on without STARTTLS when the server does
	// not offer it. ParseSMTPURL sets it only for loopback hosts (a local
	// relay or a test server); everywhere else STARTTLS is mandatory, so
	// credentials never cross a network in clear.
	OptionalTLS bool
	// TLSConfig overrides the TLS settings (tests trust their own CA here).
	TLSConfig *tls.Config
	Timeout   time.Duration
}

// ParseSMTPURL reads SMTP_URL: smtp://user:pass@host:587 (STARTTLS,
// mandatory unless host is loopback) or smtps://user:pass@host:465
// (implicit TLS). User and password are optional and URL-decoded.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return SMTPConfig{}, fmt.Errorf("SMTP_URL: %w", err)
	}
	cfg := SMTPConfig{Host: u.Hostname(), Timeout: DefaultSMTPTimeout}
	switch u.Scheme {
	case "smtp":
		cfg.Port = 587
		cfg.OptionalTLS = isLoopback(cfg.Host)
	case "smtps":
		cfg.Port, cfg.ImplicitTLS = 465, true
	default:
		return SMTPConfig{}, fmt.Errorf("SMTP_URL: scheme %q is neither smtp nor smtps", u.Scheme)
	}
	if cfg.Host == "" {
		return SMTPConfig{}, errors.New("SMTP_URL: no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return SMTPConfig{}, fmt.Errorf("SMTP_URL: bad port %q", p)
		}
		cfg.Port = n
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	return cfg, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SMTP is the production Sender: one connection per message through
// go-mail, so a broken connection never poisons the next send.
type SMTP struct {
	cfg  SMTPConfig
	from string
	now  func() time.Time
}

// NewSMTP returns an SMTP sender with From address from (MAIL_FROM).
func NewSMTP(cfg SMTPConfig, from string) (*SMTP, error) {
	if cfg.Host == "" || cfg.Port == 0 {
		return nil, errors.New("mail: SMTP host and port are required")
	}
	if from == "" {
		return nil, errors.New("mail: MAIL_FROM is required with SMTP")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultSMTPTimeout
	}
	return &SMTP{cfg: cfg, from: from, now: time.Now}, nil
}

// Send delivers m. Failures are *Error: Temporary for network trouble and
// 4xx replies, permanent for 5xx replies and unbuildable messages.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := Build(s.from, &m, s.now())
	if err != nil {
		return err
	}
	c, err := gomail.NewClient(s.cfg.Host, s.options()...)
	if err != nil {
		return permanent(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*s.cfg.Timeout)
	defer cancel()
	return classify(c.DialAndSendWithContext(ctx, msg))
}

func (s *SMTP) options() []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSPolicy(gomail.TLSMandatory),
	}
	if s.cfg.OptionalTLS {
		opts[2] = gomail.WithTLSPolicy(gomail.TLSOpportunistic)
	}
	if s.cfg.ImplicitTLS {
		opts = append(opts, gomail.WithSSL())
	}
	if s.cfg.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.cfg.TLSConfig))
	}
	if s.cfg.Username != "" {
		// Off loopback the connection is always encrypted and go-mail picks
		// the best mechanism offered; its discovery refuses plain-text
		// links, so a loopback relay gets PLAIN, which go-mail allows there.
		auth := gomail.SMTPAuthAutoDiscover
		if s.cfg.OptionalTLS {
			auth = gomail.SMTPAuthPlain
		}
		opts = append(opts, gomail.WithSMTPAuth(auth),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	return opts
}

// classify sorts a go-mail error by its SMTP reply code: 5xx is final,
// 4xx and everything without a code (dial, TLS, timeouts) may pass later.
func classify(err error) error {
	if err == nil {
		return nil
	}
	code := 0
	var se *gomail.SendError
	var te *textproto.Error // replies during the dial, such as AUTH's 535
	switch {
	case errors.As(err, &se):
		code = se.ErrorCode()
	case errors.As(err, &te):
		code = te.Code
	}
	switch {
	case code >= 500 && code < 600:
		return &Error{Code: code, Err: err}
	case code >= 400 && code < 500:
		return &Error{Temporary: true, Code: code, Err: err}
	}
	return &Error{Temporary: true, Err: err}
}
