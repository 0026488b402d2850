package httpapi_test

import (
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/accounts/external/externaltest"
	"github.com/kira-art/kira/internal/config"
)

// TestScheduledDeletionEndToEnd is issue 9's acceptance run, on every
// configured database: with the grace shortened to seconds, a requested
// deletion sends the "scheduled" mail, then the reminder, then deletes
// every row and file of the user through the River workers, sends the
// "completed" mail to the address captured before the delete, leaves the
// other user's like count exact, and deletes the Stripe customer and the
// PostHog person at their (local, wire-compatible) APIs.
func TestScheduledDeletionEndToEnd(t *testing.T) {
	t.Parallel()
	sp := externaltest.NewStripe(t, "sk_test_e2e")
	ph := externaltest.NewPostHog(t, "9", "phx_e2e")
	upstreams := func(c *config.Config) {
		c.Accounts.StripeSecretKey, c.Accounts.StripeAPIBase = "sk_test_e2e", sp.URL
		c.Analytics.PostHogPersonalAPIKey, c.Analytics.PostHogHost, c.Analytics.PostHogProjectID = "phx_e2e", ph.URL, "9"
	}
	// River promotes scheduled jobs every 5 s (its scheduler's fixed
	// interval), so the three stages are 6 s apart to stay in order.
	forEachAccountStore(t, 12*time.Second, 6*time.Second, func(t *testing.T, e accountEnv) {
		u, other := e.member(), e.member()
		email := "u" + u.ID[:6] + "@example.com" // the harness's token email, stored on first request
		customer := "cus_" + strings.ReplaceAll(u.ID, "-", "")[:14]
		sp.AddCustomer(customer, email, map[string]string{"userId": u.ID})
		person := uuid.NewString()
		ph.AddPerson(person, u.ID)

		post, otherPost := e.seed(u), e.seed(other)
		e.like("PUT", otherPost, u.Token, 200)
		e.like("PUT", post, other.Token, 200)
		expect(t, e.do("POST", "/support/delete-account", u.Token, map[string]any{"reason": "too_expensive"}), 200)

		outbox := filepath.Join(e.dataDir, "outbox")
		want := []string{
			"Your Kira account is scheduled for deletion",
			"Your Kira account will be deleted on",
			"Your Kira account has been deleted",
		}
		var got []string
		waitFor(t, "the scheduled mail", func() bool { got = subjectsTo(t, outbox, email); return len(got) >= 1 })
		if e.gone(u) {
			t.Fatal("deleted before the grace period")
		}
		waitFor(t, "the scheduled deletion", func() bool { return e.gone(u) })
		waitFor(t, "the completed mail", func() bool { got = subjectsTo(t, outbox, email); return len(got) == 3 })
		for i, w := range want {
			if !strings.HasPrefix(got[i], w) {
				t.Fatalf("mails in order %q, want prefixes %q", got, want)
			}
		}
		if n := e.likedNumber(otherPost); n != 0 {
			t.Fatalf("the other user's post has likedNumber %d, want 0", n)
		}
		waitFor(t, "Stripe and PostHog clean-ups", func() bool {
			return slices.Contains(sp.Deleted(), customer) && slices.Contains(ph.Deleted(), person)
		})
		// River records completions in batches, a moment after the work.
		waitFor(t, "the delete, blob and clean-up jobs to complete", func() bool {
			return e.count("SELECT COUNT(*) FROM river_job WHERE kind = 'delete_account' AND state = 'completed'") == 1 &&
				e.count("SELECT COUNT(*) FROM river_job WHERE kind = 'delete_blob_prefix' AND state = 'completed'") == 2 &&
				e.count("SELECT COUNT(*) FROM river_job WHERE kind = 'external_cleanup' AND state = 'completed'") == 3
		})
		if n := e.count("SELECT COUNT(*) FROM river_job WHERE kind = 'delete_account' AND state <> 'completed'"); n != 0 {
			t.Fatalf("%d delete jobs not completed (a self-cancel?)", n)
		}
		if subjects := subjectsTo(t, outbox, email); len(subjects) != 3 {
			t.Fatalf("mails after the end: %q (one each, never twice)", subjects)
		}
	}, upstreams)
}

// subjectsTo reads the outbox's .eml files addressed to `to`, oldest
// first (the outbox writes each file once), and returns their subjects.
func subjectsTo(t *testing.T, dir, to string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	type sent struct {
		at      time.Time
		subject string
	}
	var out []sent
	for _, ent := range ents {
		if !strings.HasSuffix(ent.Name(), ".eml") {
			continue
		}
		f, err := os.Open(filepath.Join(dir, ent.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", ent.Name(), err)
		}
		if !strings.Contains(m.Header.Get("To"), to) {
			continue
		}
		info, err := ent.Info()
		if err != nil {
			t.Fatal(err)
		}
		at := info.ModTime()
		subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sent{at, subject})
	}
	slices.SortStableFunc(out, func(a, b sent) int { return a.at.Compare(b.at) })
	subjects := make([]string, len(out))
	for i, s := range out {
		subjects[i] = s.subject
	}
	return subjects
}
