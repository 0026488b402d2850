package notify_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	netmail "net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/jobs/jobargs"
	"github.com/kira-art/kira/internal/mail"
	"github.com/kira-art/kira/internal/notify"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

const from = "Kira <no-reply@mail.kira.test>"

// fixture is a service on a real store whose sender is the real outbox.
type fixture struct {
	t   *testing.T
	st  *store.Store
	svc *notify.Service
	dir string
}

// newFixture's clock is a day ahead, so a fresh profile's sign-up issue is
// more than 24 h old.
func newFixture(t *testing.T, st *store.Store) *fixture {
	dir := t.TempDir()
	o, err := mail.NewOutbox(dir, from)
	if err != nil {
		t.Fatal(err)
	}
	key, err := notify.UnsubscribeKey("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	svc := &notify.Service{Store: st, Sender: o, From: from, AppURL: "https://app.test", PublicURL: "https://api.test",
		UnsubscribeKey: key, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock: func() time.Time { return time.Now().Add(25 * time.Hour) }}
	return &fixture{t: t, st: st, svc: svc, dir: dir}
}

// user makes a profile; spend credits leaves it with 30-spend.
func (f *fixture) user(lang string, spend int, optIn bool) store.Profile {
	f.t.Helper()
	ctx := context.Background()
	id := uuid.NewString()
	if _, _, err := f.st.EnsureProfile(ctx, id, id[:8]+"@example.com"); err != nil {
		f.t.Fatal(err)
	}
	if spend > 0 {
		if _, err := f.st.ChargeCredits(ctx, store.Charge{UserID: id, Key: uuid.NewString(), Amount: spend, Reason: "test"}); err != nil {
			f.t.Fatal(err)
		}
	}
	if _, err := f.st.UpdateProfile(ctx, id, store.ProfilePatch{Language: &lang}); err != nil {
		f.t.Fatal(err)
	}
	if err := f.st.SetNotification(ctx, id, optIn); err != nil {
		f.t.Fatal(err)
	}
	p, err := f.st.GetProfile(ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// sent parses every .eml in the outbox.
func (f *fixture) sent() []*netmail.Message {
	f.t.Helper()
	names, _ := filepath.Glob(filepath.Join(f.dir, "*.eml"))
	var out []*netmail.Message
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.t.Fatal(err)
		}
		m, err := netmail.ReadMessage(bytes.NewReader(b))
		if err != nil {
			f.t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestDailyMailRechecksAtSendTime(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		ctx := context.Background()
		ok := f.user("ja-JP", 25, true)
		for _, p := range []store.Profile{ok, f.user("en", 0, true), f.user("en", 25, false)} {
			ev := store.DailyMailEvent(p.ID, time.Now())
			if err := f.svc.Send(ctx, jobargs.SendMail{Mail: "daily_reward", UserID: p.ID, Event: ev}); err != nil {
				t.Fatal(err)
			}
		}
		gone := uuid.NewString()
		if err := f.svc.Send(ctx, jobargs.SendMail{Mail: "daily_reward", UserID: gone, Event: "daily:" + gone}); err != nil {
			t.Fatal(err)
		}
		msgs := f.sent()
		if len(msgs) != 1 {
			t.Fatalf("%d mails, want only the claimable opted-in user's", len(msgs))
		}
		m := msgs[0]
		ev := store.DailyMailEvent(ok.ID, time.Now())
		if m.Header.Get("To") != "<"+ok.Email+">" || m.Header.Get("Message-Id") != "<"+notify.MessageID(ev, from)+">" ||
			m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Fatalf("headers %v", m.Header)
		}
		if subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); !strings.Contains(subj, "クレジット") {
			t.Fatalf("subject %q is not Japanese", subj)
		}
		link := strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")
		u, err := url.Parse(link)
		if err != nil || u.Host != "api.test" || u.Path != "/mail/unsubscribe" {
			t.Fatalf("List-Unsubscribe %q", link)
		}
		if err := f.svc.Unsubscribe(ctx, u.Query().Get("token")); err != nil {
			t.Fatal(err)
		}
		if p, _ := st.GetProfile(ctx, ok.ID); p.IsOpenNotification {
			t.Fatal("still subscribed")
		}
		if err := f.svc.Send(ctx, jobargs.SendMail{Mail: "daily_reward", UserID: ok.ID, Event: ev + "-again"}); err != nil || len(f.sent()) != 1 {
			t.Fatalf("after unsubscribe: %v, %d mails", err, len(f.sent()))
		}
	})
}

func TestDeletionMailsUseCapturedRecipients(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		ctx := context.Background()
		gone := uuid.NewString()
		at := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
		for _, a := range []jobargs.SendMail{
			{Mail: "deletion_completed", UserID: gone, Event: "c:" + gone, To: "gone@example.com", Lang: "ko", Nickname: "Mina"},
			{Mail: "deletion_scheduled", UserID: gone, Event: "s:" + gone, To: "gone@example.com", DeletionDate: &at},
			{Mail: "deletion_reminder", UserID: gone, Event: "r:" + gone, To: "gone@example.com"}, // nothing scheduled: skipped
			{Mail: "deletion_cancelled", UserID: gone, Event: "x:" + gone},                        // no profile, nothing captured
		} {
			if err := f.svc.Send(ctx, a); err != nil {
				t.Fatalf("%s: %v", a.Mail, err)
			}
		}
		msgs := f.sent()
		if len(msgs) != 2 {
			t.Fatalf("%d mails, want completed and scheduled", len(msgs))
		}
		for _, m := range msgs {
			if m.Header.Get("To") != "<gone@example.com>" || m.Header.Get("List-Unsubscribe") != "" {
				t.Fatalf("headers %v", m.Header)
			}
		}
		err := f.svc.Send(ctx, jobargs.SendMail{Mail: "no_such_kind", UserID: gone, Event: "n:" + gone, To: "gone@example.com"})
		if err == nil || mail.IsTemporary(err) {
			t.Fatalf("unknown kind: %v, want a permanent error", err)
		}
	})
}

func TestDailySweepQueuesOncePerDay(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		ctx := context.Background()
		want := map[string]bool{f.user("en", 20, true).ID: true, f.user("zh-TW", 30, true).ID: true}
		f.user("en", 0, true)   // 30 credits
		f.user("en", 20, false) // opted out
		paid := f.user("en", 20, true)
		if err := st.SetPlan(ctx, paid.ID, "pro"); err != nil {
			t.Fatal(err)
		}
		n, err := f.svc.DailySweep(ctx)
		if err != nil || n != len(want) {
			t.Fatalf("sweep: %d, %v; want %d", n, err, len(want))
		}
		jobs, err := st.ListJobs(ctx, jobargs.SendMail{}.Kind(), 100)
		if err != nil || len(jobs) != len(want) {
			t.Fatalf("%d jobs, %v", len(jobs), err)
		}
		if n, err := f.svc.DailySweep(ctx); err != nil || n != 0 {
			t.Fatalf("second sweep the same day: %d, %v", n, err)
		}
	})
}

func TestUnsubscribeTokens(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		ctx := context.Background()
		p := f.user("en", 0, true)
		tok := f.svc.UnsubscribeToken(p.ID)
		for _, bad := range []string{"", "x", p.ID, p.ID + ".", tok + "x", strings.ToUpper(tok[:36]) + tok[36:],
			f.svc.UnsubscribeToken("not-a-uuid")} {
			var e *apperr.Error
			if err := f.svc.Unsubscribe(ctx, bad); !errors.As(err, &e) || e.Kind != apperr.Invalid {
				t.Fatalf("token %q: %v, want invalid", bad, err)
			}
		}
		other := &notify.Service{Store: st, UnsubscribeKey: []byte("another key, another deployment")}
		if _, err := other.CheckUnsubscribe(tok); err == nil {
			t.Fatal("a token signed with another key was accepted")
		}
		var e *apperr.Error
		if err := f.svc.Unsubscribe(ctx, f.svc.UnsubscribeToken(uuid.NewString())); !errors.As(err, &e) || e.Kind != apperr.NotFound {
			t.Fatalf("unknown user: %v", err)
		}
		if err := f.svc.Unsubscribe(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.GetProfile(ctx, p.ID); got.IsOpenNotification {
			t.Fatal("still subscribed")
		}
	})
}

func TestUnsubscribeKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, err := notify.UnsubscribeKey("", dir)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := notify.UnsubscribeKey("", dir)
	c, _ := notify.UnsubscribeKey("s3cret", dir)
	d, _ := notify.UnsubscribeKey("s3cret", t.TempDir())
	if !bytes.Equal(a, b) || len(a) < 32 || bytes.Equal(a, c) || !bytes.Equal(c, d) || bytes.Equal(c, []byte("s3cret")) {
		t.Fatalf("keys: persisted %x %x, derived %x %x", a, b, c, d)
	}
}

func FuzzCheckUnsubscribe(f *testing.F) {
	svc := &notify.Service{UnsubscribeKey: []byte("0123456789abcdef0123456789abcdef")}
	id := "7f1c3b9e-1d2a-4c5b-8e6f-0a1b2c3d4e5f"
	f.Add(svc.UnsubscribeToken(id))
	f.Add(id + ".")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		got, err := svc.CheckUnsubscribe(tok)
		if err == nil && svc.UnsubscribeToken(got) != tok {
			t.Fatalf("accepted %q for %q, which it did not sign", tok, got)
		}
	})
}
