package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// testServer is a real SMTP server (go-smtp) on a loopback port. replies
// holds the errors Data answers with, one per delivery, before it accepts.
type testServer struct {
	addr string

	mu       sync.Mutex
	replies  []error
	received [][]byte
	rcpts    []string
	authed   []string
	overTLS  []bool
}

func startServer(t *testing.T, replies ...error) *testServer {
	t.Helper()
	return serve(t, nil, false, replies...)
}

// serve starts the server; with tlsConfig it offers STARTTLS, or speaks
// TLS from the first byte when implicit.
func serve(t *testing.T, tlsConfig *tls.Config, implicit bool, replies ...error) *testServer {
	t.Helper()
	ts := &testServer{replies: replies}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{ts: ts, conn: c}, nil
	}))
	s.TLSConfig = tlsConfig
	s.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected here
	s.Domain = "localhost"
	s.AllowInsecureAuth = true // loopback, plain: what ParseSMTPURL allows for 127.0.0.1
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = l.Addr().String()
	if implicit {
		l = tls.NewListener(l, tlsConfig)
	}
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	return ts
}

func (ts *testServer) snapshot() (received [][]byte, rcpts, authed []string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.received, ts.rcpts, ts.authed
}

func (ts *testServer) tls() []bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.overTLS
}

type session struct {
	ts   *testServer
	conn *smtp.Conn
	user string
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "kira" || pass != "p@ss word" {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.user = user
		return nil
	}), nil
}

func (s *session) Mail(string, *smtp.MailOptions) error {
	if s.user == "" {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "nobody@") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.ts.mu.Lock()
	defer s.ts.mu.Unlock()
	s.ts.rcpts = append(s.ts.rcpts, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.ts.mu.Lock()
	defer s.ts.mu.Unlock()
	if len(s.ts.replies) > 0 {
		reply := s.ts.replies[0]
		s.ts.replies = s.ts.replies[1:]
		return reply
	}
	s.ts.received = append(s.ts.received, b)
	s.ts.authed = append(s.ts.authed, s.user)
	_, isTLS := s.conn.TLSConnectionState()
	s.ts.overTLS = append(s.ts.overTLS, isTLS)
	return nil
}

func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }

func newTestSMTP(t *testing.T, ts *testServer, userinfo string) *SMTP {
	t.Helper()
	cfg, err := ParseSMTPURL("smtp://" + userinfo + "@" + ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Timeout = 5 * time.Second
	s, err := NewSMTP(cfg, "Kira <no-reply@kira.example>")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSMTPDeliversTheSameMessage(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	s := newTestSMTP(t, ts, "kira:p%40ss%20word")
	want := sample()
	if err := s.Send(context.Background(), want); err != nil {
		t.Fatal(err)
	}
	received, rcpts, authed := ts.snapshot()
	if len(received) != 1 || len(rcpts) != 1 || rcpts[0] != "mei@example.com" || authed[0] != "kira" {
		t.Fatalf("server got %d messages, rcpts %v, auth %v", len(received), rcpts, authed)
	}
	checkParsed(t, parse(t, received[0]), want, `"Kira" <no-reply@kira.example>`)
}

func TestSMTPWrongPasswordIsPermanent(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	err := newTestSMTP(t, ts, "kira:wrong").Send(context.Background(), sample())
	if err == nil || IsTemporary(err) {
		t.Fatalf("err = %v, want permanent", err)
	}
	if received, _, _ := ts.snapshot(); len(received) != 0 {
		t.Error("delivered without authentication")
	}
}

func TestSMTPTemporaryThenAccepted(t *testing.T) {
	t.Parallel()
	busy := &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	ts := startServer(t, busy)
	s := newTestSMTP(t, ts, "kira:p%40ss%20word")
	err := s.Send(context.Background(), sample())
	var me *Error
	if !errors.As(err, &me) || !me.Temporary || me.Code != 451 || !IsTemporary(err) {
		t.Fatalf("first send: %v, want a temporary 451", err)
	}
	if err := s.Send(context.Background(), sample()); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if received, _, _ := ts.snapshot(); len(received) != 1 {
		t.Fatalf("%d messages delivered, want 1", len(received))
	}
}

func TestSMTPRejectedRecipientIsPermanent(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	m := sample()
	m.To = "nobody@example.com"
	err := newTestSMTP(t, ts, "kira:p%40ss%20word").Send(context.Background(), m)
	var me *Error
	if !errors.As(err, &me) || me.Temporary || me.Code != 550 || IsTemporary(err) {
		t.Fatalf("err = %v, want a permanent 550", err)
	}
}

func TestSMTPUnreachableIsTemporary(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens there now
	cfg, _ := ParseSMTPURL("smtp://" + addr)
	cfg.Timeout = 2 * time.Second
	s, _ := NewSMTP(cfg, "no-reply@kira.example")
	if err := s.Send(context.Background(), sample()); !IsTemporary(err) {
		t.Fatalf("err = %v, want temporary", err)
	}
}

func TestParseSMTPURL(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]SMTPConfig{
		"smtp://u:p%2Fw@mail.example.com": {Host: "mail.example.com", Port: 587, Username: "u", Password: "p/w"},
		"smtp://mail.example.com:2525":    {Host: "mail.example.com", Port: 2525},
		"smtps://u:p@mail.example.com":    {Host: "mail.example.com", Port: 465, Username: "u", Password: "p", ImplicitTLS: true},
		"smtp://127.0.0.1:1025":           {Host: "127.0.0.1", Port: 1025, OptionalTLS: true},
		"smtp://[::1]:1025":               {Host: "::1", Port: 1025, OptionalTLS: true},
		"smtp://localhost":                {Host: "localhost", Port: 587, OptionalTLS: true},
		"smtps://127.0.0.1":               {Host: "127.0.0.1", Port: 465, ImplicitTLS: true},
	} {
		got, err := ParseSMTPURL(raw)
		want.Timeout = DefaultSMTPTimeout
		if err != nil || got != want {
			t.Errorf("%s: %+v, %v; want %+v", raw, got, err, want)
		}
	}
	for _, raw := range []string{"http://mail.example.com", "smtp://", "smtp://h:0", "smtp://h:x", "::"} {
		if _, err := ParseSMTPURL(raw); err == nil {
			t.Errorf("%s: accepted", raw)
		}
	}
}

// testCert borrows httptest's certificate for 127.0.0.1 and returns the
// server side and a client config trusting it.
func testCert(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	hs := httptest.NewTLSServer(nil)
	defer hs.Close()
	pool := x509.NewCertPool()
	pool.AddCert(hs.Certificate())
	return &tls.Config{Certificates: hs.TLS.Certificates, MinVersion: tls.VersionTLS12},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

func sendOver(t *testing.T, ts *testServer, scheme string, cfgEdit func(*SMTPConfig)) error {
	t.Helper()
	cfg, err := ParseSMTPURL(scheme + "://kira:p%40ss%20word@" + ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Timeout = 5 * time.Second
	cfgEdit(&cfg)
	s, err := NewSMTP(cfg, "no-reply@kira.example")
	if err != nil {
		t.Fatal(err)
	}
	return s.Send(context.Background(), sample())
}

func TestSMTPImplicitTLS(t *testing.T) {
	t.Parallel()
	srv, cli := testCert(t)
	ts := serve(t, srv, true)
	if err := sendOver(t, ts, "smtps", func(c *SMTPConfig) { c.TLSConfig = cli }); err != nil {
		t.Fatal(err)
	}
	if tlsFlags := ts.tls(); len(tlsFlags) != 1 || !tlsFlags[0] {
		t.Fatalf("delivered over TLS: %v", tlsFlags)
	}
	// An untrusted certificate is refused, not silently accepted.
	if err := sendOver(t, ts, "smtps", func(*SMTPConfig) {}); err == nil {
		t.Fatal("untrusted certificate accepted")
	}
}

func TestSMTPSTARTTLS(t *testing.T) {
	t.Parallel()
	srv, cli := testCert(t)
	ts := serve(t, srv, false)
	// Mandatory STARTTLS, as for any non-loopback smtp:// URL.
	mandatory := func(c *SMTPConfig) { c.OptionalTLS, c.TLSConfig = false, cli }
	if err := sendOver(t, ts, "smtp", mandatory); err != nil {
		t.Fatal(err)
	}
	if tlsFlags := ts.tls(); len(tlsFlags) != 1 || !tlsFlags[0] {
		t.Fatalf("delivered over TLS: %v", tlsFlags)
	}
	plain := startServer(t)
	if err := sendOver(t, plain, "smtp", mandatory); err == nil {
		t.Fatal("sent in clear although STARTTLS is mandatory")
	}
	if received, _, _ := plain.snapshot(); len(received) != 0 {
		t.Fatal("a server without STARTTLS got the message")
	}
}
