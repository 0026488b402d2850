package httpapi_test

import (
	"bytes"
	"context"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	netmail "net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/jobs/jobargs"
	"github.com/kira-art/kira/internal/notify"
	"github.com/kira-art/kira/internal/store"
)

const mailPassword = "mail-admin-password-0123"

// smtpServer is a real SMTP server (go-smtp) on a loopback port; replies
// are the errors the first deliveries get before it accepts.
type smtpServer struct {
	addr string

	mu       sync.Mutex
	replies  []error
	attempts int
	received [][]byte
}

func startSMTP(t *testing.T, replies ...error) *smtpServer {
	t.Helper()
	ts := &smtpServer{replies: replies}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{ts}, nil }))
	s.Domain, s.ErrorLog = "localhost", log.New(io.Discard, "", 0)
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = l.Addr().String()
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	return ts
}

type smtpSession struct{ ts *smtpServer }

func (s *smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *smtpSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *smtpSession) Reset()                               {}
func (s *smtpSession) Logout() error                        { return nil }

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.ts.mu.Lock()
	defer s.ts.mu.Unlock()
	s.ts.attempts++
	if len(s.ts.replies) > 0 {
		reply := s.ts.replies[0]
		s.ts.replies = s.ts.replies[1:]
		return reply
	}
	s.ts.received = append(s.ts.received, b)
	return nil
}

// to returns the messages delivered to addr so far.
func (ts *smtpServer) to(t *testing.T, addr string) []*netmail.Message {
	t.Helper()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	var out []*netmail.Message
	for _, b := range ts.received {
		m, err := netmail.ReadMessage(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(m.Header.Get("To"), addr) {
			out = append(out, m)
		}
	}
	return out
}

func withSMTP(ts *smtpServer) func(*config.Config) {
	return func(c *config.Config) {
		c.Mail.SMTPURL = "smtp://" + ts.addr
		c.AdminPassword = mailPassword
	}
}

func emailOf(u user) string { return "u" + u.ID[:6] + "@example.com" }

// The daily mail end to end: the sweep over HTTP queues it, the worker
// delivers it over SMTP as multipart/alternative with one-click
// unsubscribe, the link turns the reminders off, and a second sweep sends
// nothing.
func TestDailyMailThroughSMTP(t *testing.T) {
	t.Parallel()
	ts := startSMTP(t)
	forEachRawStore(t, func(t *testing.T, raw rawEnv) {
		e := rewardEnv{raw}
		u := e.newUser()
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200)
		e.setCredit(u, "free", 2, time.Now().Add(-25*time.Hour))
		for _, q := range []string{"", "?password=wrong"} {
			expect(t, e.do("POST", "/mail/daily"+q, "", nil), 401)
		}
		if jobs, _ := mailJobs(t, e.store, u.ID); len(jobs) != 0 {
			t.Fatalf("a refused sweep queued %d mails", len(jobs))
		}
		var sent struct {
			Message string
			Sent    int
		}
		expect(t, e.do("POST", "/mail/daily?password="+mailPassword, "", nil), 200).json(t, &sent)
		if sent.Message != "ok" || sent.Sent != 1 {
			t.Fatalf("sweep answered %+v", sent)
		}
		var msgs []*netmail.Message
		waitFor(t, "the daily mail", func() bool { msgs = ts.to(t, emailOf(u)); return len(msgs) > 0 })
		m := msgs[0]
		link := checkDailyMail(t, m, store.DailyMailEvent(u.ID, time.Now()))

		// The link: GET shows the confirmation, POST (the button, or a
		// one-click client) unsubscribes.
		path := link.RequestURI()
		page := expect(t, e.do("GET", path, "", nil), 200)
		if !strings.Contains(string(page.Body), `<form method="post">`) {
			t.Fatalf("page %s", page.Body)
		}
		var prof struct{ IsOpenNotification bool }
		if expect(t, e.do("GET", "/user/profile", u.Token, nil), 200).json(t, &prof); !prof.IsOpenNotification {
			t.Fatal("GET unsubscribed")
		}
		req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if resp, err := e.client.Do(req); err != nil || resp.StatusCode != 200 {
			t.Fatalf("one-click POST: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}
		if expect(t, e.do("GET", "/user/profile", u.Token, nil), 200).json(t, &prof); prof.IsOpenNotification {
			t.Fatal("still subscribed after POST")
		}
		expect(t, e.do("POST", "/mail/daily?password="+mailPassword, "", nil), 200).json(t, &sent)
		if sent.Sent != 0 {
			t.Fatalf("second sweep queued %d", sent.Sent)
		}
	}, withSMTP(ts))
}

// checkDailyMail checks the parts and headers and returns the unsubscribe
// link.
func checkDailyMail(t *testing.T, m *netmail.Message, event string) *url.URL {
	t.Helper()
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q", m.Header.Get("Content-Type"))
	}
	var types []string
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types = append(types, ct)
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Fatalf("parts %v", types)
	}
	if got, want := m.Header.Get("Message-Id"), "<"+notify.MessageID(event, "Kira <no-reply@kira.art>")+">"; got != want {
		t.Fatalf("Message-ID %s, want %s", got, want)
	}
	if m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("List-Unsubscribe-Post %q", m.Header.Get("List-Unsubscribe-Post"))
	}
	link, err := url.Parse(strings.Trim(m.Header.Get("List-Unsubscribe"), "<>"))
	if err != nil || link.Path != "/mail/unsubscribe" || link.Query().Get("token") == "" {
		t.Fatalf("List-Unsubscribe %q", m.Header.Get("List-Unsubscribe"))
	}
	return link
}

// A 451 is retried by River and the retry is delivered; the same event
// inserted twice is one job and one mail.
func TestMailRetriesATemporaryFailureAndSendsAnEventOnce(t *testing.T) {
	t.Parallel()
	busy := &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	ts := startSMTP(t, busy)
	forEachRawStore(t, func(t *testing.T, raw rawEnv) {
		e := rewardEnv{raw}
		u := e.newUser()
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200)
		job := jobargs.SendMail{Mail: "deletion_cancelled", UserID: u.ID, Event: "test:once:" + u.ID}
		for range 2 {
			if err := e.store.Enqueue(context.Background(), job); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "the retried mail", func() bool { return len(ts.to(t, emailOf(u))) > 0 })
		jobs, _ := mailJobs(t, e.store, u.ID)
		if len(jobs) != 1 {
			t.Fatalf("%d jobs for one event", len(jobs))
		}
		waitFor(t, "the job to complete", func() bool {
			jobs, _ := mailJobs(t, e.store, u.ID)
			return jobs[0].State == "completed"
		})
		if got := ts.to(t, emailOf(u)); len(got) != 1 {
			t.Fatalf("%d mails for one event", len(got))
		}
	}, withSMTP(ts))
	t.Cleanup(func() { // after the parallel subtests
		ts.mu.Lock()
		defer ts.mu.Unlock()
		if ts.attempts < 2 {
			t.Errorf("%d attempts: the 451 was not retried", ts.attempts)
		}
	})
}

// A 5xx is permanent: the job is cancelled after one attempt, not retried
// for a day.
func TestMailPermanentFailureCancelsTheJob(t *testing.T) {
	t.Parallel()
	nope := &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "rejected"}
	ts := startSMTP(t, nope, nope)
	forEachRawStore(t, func(t *testing.T, raw rawEnv) {
		e := rewardEnv{raw}
		u := e.newUser()
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200)
		expect(t, e.do("POST", "/mail/account-deletion?password="+mailPassword, "",
			map[string]string{"userId": u.ID, "stage": "cancelled"}), 200)
		waitFor(t, "the job to be cancelled", func() bool {
			jobs, _ := mailJobs(t, e.store, u.ID)
			return len(jobs) == 1 && jobs[0].State == "cancelled"
		})
		if jobs, _ := mailJobs(t, e.store, u.ID); jobs[0].Attempt != 1 {
			t.Fatalf("%d attempts", jobs[0].Attempt)
		}
	}, withSMTP(ts))
}

// Without SMTP_URL the mails land in the outbox as .eml files.
func TestMailOutboxWithoutSMTP(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	forEachRawStore(t, func(t *testing.T, raw rawEnv) {
		e := rewardEnv{raw}
		u := e.newUser()
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200)
		expect(t, e.do("POST", "/mail/account-deletion?password="+mailPassword, "",
			map[string]string{"userId": u.ID, "stage": "cancelled"}), 200)
		waitFor(t, "an .eml in the outbox", func() bool {
			names, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
			for _, n := range names {
				if b, err := os.ReadFile(n); err == nil && bytes.Contains(b, []byte(emailOf(u))) {
					return true
				}
			}
			return false
		})
	}, func(c *config.Config) {
		c.AdminPassword = mailPassword
		c.Mail.OutboxDir = dir
	})
}

// Bad input on the operator routes is a 4xx and queues nothing.
func TestMailRoutesRefuseBadInput(t *testing.T) {
	t.Parallel()
	ts := startSMTP(t)
	forEachRawStore(t, func(t *testing.T, raw rawEnv) {
		e := rewardEnv{raw}
		u := e.newUser()
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200)
		del := "/mail/account-deletion?password=" + mailPassword
		expect(t, e.do("POST", "/mail/account-deletion?password=wrong", "", map[string]string{"userId": u.ID, "stage": "cancelled"}), 401)
		expect(t, e.do("POST", "/mail/account-deletion", "", map[string]string{"userId": u.ID, "stage": "cancelled"}), 401)
		expect(t, e.bad("POST", del, "", `{"userId":1,"stage":"cancelled"}`), 400)
		expect(t, e.bad("POST", del, "", `not json`), 400)
		expect(t, e.bad("POST", del, "", map[string]string{"userId": u.ID, "stage": "later"}), 400)
		expect(t, e.bad("POST", del, "", map[string]string{"userId": "not-a-uuid", "stage": "cancelled"}), 400)
		expect(t, e.do("POST", del, "", map[string]string{"userId": "7f1c3b9e-1d2a-4c5b-8e6f-0a1b2c3d4e5f", "stage": "cancelled"}), 404)
		for _, stage := range []string{"scheduled", "reminder"} {
			r := expect(t, e.do("POST", del, "", map[string]string{"userId": u.ID, "stage": stage}), 409)
			var b struct{ Error string }
			if r.json(t, &b); b.Error != "not_scheduled" {
				t.Fatalf("%s: %s", stage, r.Body)
			}
		}
		if jobs, _ := mailJobs(t, e.store, u.ID); len(jobs) != 0 {
			t.Fatalf("refused requests queued %d mails", len(jobs))
		}
		for _, tok := range []string{"", "abc", u.ID + ".forged"} {
			expect(t, e.bad("GET", "/mail/unsubscribe?token="+url.QueryEscape(tok), "", nil), 400)
			expect(t, e.bad("POST", "/mail/unsubscribe?token="+url.QueryEscape(tok), "", nil), 400)
		}
		gone := e.api.Notify.UnsubscribeToken("7f1c3b9e-1d2a-4c5b-8e6f-0a1b2c3d4e5f")
		expect(t, e.do("POST", "/mail/unsubscribe?token="+url.QueryEscape(gone), "", nil), 404)

		// A scheduled deletion's date reaches the mail.
		at := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
		q := "INSERT INTO account_deletions (user_id, reason, delete_at, reminder_at, created_at) VALUES (?, 'test', ?, ?, ?)"
		if e.store.Dialect() == store.Postgres {
			q = "INSERT INTO account_deletions (user_id, reason, delete_at, reminder_at, created_at) VALUES ($1, 'test', $2, $3, $4)"
		}
		if _, err := e.raw.Exec(q, u.ID, at.UnixMicro(), at.UnixMicro(), time.Now().UnixMicro()); err != nil {
			t.Fatal(err)
		}
		expect(t, e.do("POST", del, "", map[string]string{"userId": u.ID, "stage": "reminder"}), 200)
		waitFor(t, "the reminder mail", func() bool {
			for _, m := range ts.to(t, emailOf(u)) {
				b, _ := io.ReadAll(m.Body)
				if bytes.Contains(b, []byte("2031")) {
					return true
				}
			}
			return false
		})
	}, withSMTP(ts))
}
