package external_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/accounts/external"
	"github.com/kira-art/kira/internal/accounts/external/externaltest"
	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/jobs/jobargs"
)

const (
	stripeKey   = "sk_test_kira_secret_1234"
	postHogKey  = "phx_kira_personal_secret"
	supabaseKey = "service-role-secret-jwt"
	project     = "4242"
)

var hc = &http.Client{Timeout: 5 * time.Second}

// rig is one service's cleaner against its fake, plus what the shared
// tests need to know of it.
type rig struct {
	name   string
	clean  external.Cleaner
	badKey external.Cleaner // same server, wrong credential
	secret string
	fake   interface {
		FailNext(...int)
		Calls() []string
	}
	seed    func(a jobargs.ExternalCleanup) // creates the user's record upstream
	deleted func() []string
}

func rigs(t *testing.T) []rig {
	st := externaltest.NewStripe(t, stripeKey)
	ph := externaltest.NewPostHog(t, project, postHogKey)
	sb := externaltest.NewSupabase(t, supabaseKey)
	return []rig{
		{name: "stripe", clean: external.NewStripe(stripeKey, st.URL, hc), badKey: external.NewStripe("sk_test_wrong", st.URL, hc),
			secret: stripeKey, fake: st, deleted: st.Deleted,
			seed: func(a jobargs.ExternalCleanup) {
				st.AddCustomer("cus_"+a.UserID[:8], a.Email, map[string]string{"userId": a.UserID})
			}},
		{name: "posthog", clean: external.NewPostHog(ph.URL, project, postHogKey, hc), badKey: external.NewPostHog(ph.URL, project, "phx_wrong", hc),
			secret: postHogKey, fake: ph, deleted: ph.Deleted,
			seed: func(a jobargs.ExternalCleanup) { ph.AddPerson(uuid.NewString(), a.UserID, "anon-"+a.UserID[:8]) }},
		{name: "supabase", clean: external.NewSupabase(sb.URL, supabaseKey, hc), badKey: external.NewSupabase(sb.URL, "wrong", hc),
			secret: supabaseKey, fake: sb, deleted: sb.Deleted,
			seed: func(a jobargs.ExternalCleanup) { sb.AddUser(a.UserID) }},
	}
}

func args(service string) jobargs.ExternalCleanup {
	uid := uuid.NewString()
	return jobargs.ExternalCleanup{Service: service, UserID: uid, Email: uid[:8] + "@example.com"}
}

// TestCleanupDeletesOnceAndGoneIsSuccess: the record is deleted; a second
// run (River retrying after a lost answer) finds it gone and succeeds.
func TestCleanupDeletesOnceAndGoneIsSuccess(t *testing.T) {
	t.Parallel()
	for _, r := range rigs(t) {
		t.Run(r.name, func(t *testing.T) {
			a := args(r.name)
			r.seed(a)
			for range 2 {
				if err := r.clean.Cleanup(context.Background(), a); err != nil {
					t.Fatal(err)
				}
			}
			if got := r.deleted(); len(got) != 1 {
				t.Fatalf("deleted %v, want one record", got)
			}
		})
	}
}

// TestCleanupOfUnknownUserSucceeds: nothing upstream is nothing to do.
func TestCleanupOfUnknownUserSucceeds(t *testing.T) {
	t.Parallel()
	for _, r := range rigs(t) {
		t.Run(r.name, func(t *testing.T) {
			if err := r.clean.Cleanup(context.Background(), args(r.name)); err != nil {
				t.Fatal(err)
			}
			if got := r.deleted(); len(got) != 0 {
				t.Fatalf("deleted %v", got)
			}
		})
	}
}

// TestOutageIsTemporaryAndRetrySucceeds: a 500 or 503 fails the attempt
// with a temporary error; the next attempt deletes.
func TestOutageIsTemporaryAndRetrySucceeds(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		for _, r := range rigs(t) {
			t.Run(r.name+"/"+http.StatusText(status), func(t *testing.T) {
				a := args(r.name)
				r.seed(a)
				r.fake.FailNext(status)
				err := r.clean.Cleanup(context.Background(), a)
				var e *external.Error
				if !errors.As(err, &e) || !e.Temporary() || e.Status != status || e.ConfigProblem() {
					t.Fatalf("first attempt: %v, want a temporary error with status %d", err, status)
				}
				if len(r.deleted()) != 0 {
					t.Fatal("deleted during the outage")
				}
				if err := r.clean.Cleanup(context.Background(), a); err != nil {
					t.Fatalf("retry: %v", err)
				}
				if len(r.deleted()) != 1 {
					t.Fatalf("deleted %v after the retry", r.deleted())
				}
			})
		}
	}
}

// TestRejectedKeyIsAConfigProblem: 401/403 is reported as a credential
// problem, and the error never carries the key.
func TestRejectedKeyIsAConfigProblem(t *testing.T) {
	t.Parallel()
	for _, r := range rigs(t) {
		t.Run(r.name, func(t *testing.T) {
			a := args(r.name)
			r.seed(a)
			err := r.badKey.Cleanup(context.Background(), a)
			if !external.IsConfigProblem(err) {
				t.Fatalf("got %v, want a config problem", err)
			}
			if strings.Contains(err.Error(), r.secret) || strings.Contains(err.Error(), "wrong") {
				t.Fatalf("error names a key: %v", err)
			}
			if len(r.deleted()) != 0 {
				t.Fatal("deleted with a rejected key")
			}
		})
	}
}

// TestNoUserSendsNothing: a job without a user id could match everyone;
// no request goes out.
func TestNoUserSendsNothing(t *testing.T) {
	t.Parallel()
	for _, r := range rigs(t) {
		t.Run(r.name, func(t *testing.T) {
			err := r.clean.Cleanup(context.Background(), jobargs.ExternalCleanup{Service: r.name, Email: "x@example.com"})
			if !errors.Is(err, external.ErrNoUser) {
				t.Fatalf("got %v", err)
			}
			if c := r.fake.Calls(); len(c) != 0 {
				t.Fatalf("calls %v", c)
			}
		})
	}
}

// TestHungUpstreamTimesOut: an upstream that never answers fails the
// attempt within the client's timeout, as a temporary error.
func TestHungUpstreamTimesOut(t *testing.T) {
	t.Parallel()
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hung.Close)
	short := &http.Client{Timeout: 200 * time.Millisecond}
	for name, c := range map[string]external.Cleaner{
		"stripe":   external.NewStripe(stripeKey, hung.URL, short),
		"posthog":  external.NewPostHog(hung.URL, project, postHogKey, short),
		"supabase": external.NewSupabase(hung.URL, supabaseKey, short),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			err := c.Cleanup(context.Background(), args(name))
			var e *external.Error
			if !errors.As(err, &e) || !e.Temporary() || e.Status != 0 {
				t.Fatalf("got %v, want a temporary no-answer error", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("took %v", d)
			}
			if strings.Contains(err.Error(), stripeKey) || strings.Contains(err.Error(), postHogKey) || strings.Contains(err.Error(), supabaseKey) {
				t.Fatalf("error names a key: %v", err)
			}
		})
	}
}

func TestFromConfigBuildsOnlyConfigured(t *testing.T) {
	t.Parallel()
	var cfg config.Config
	if got := external.FromConfig(cfg, nil); len(got) != 0 {
		t.Fatalf("empty config built %v", got)
	}
	cfg.Accounts.StripeSecretKey = stripeKey
	cfg.Analytics.PostHogPersonalAPIKey, cfg.Analytics.PostHogHost = postHogKey, "https://eu.i.posthog.com"
	cfg.Accounts.SupabaseServiceRoleKey = supabaseKey
	got := external.FromConfig(cfg, nil)
	if _, ok := got[jobargs.ServiceStripe]; !ok || len(got) != 1 {
		t.Fatalf("want only stripe (posthog lacks a project, supabase a URL): %v", keys(got))
	}
	cfg.Analytics.PostHogProjectID, cfg.SupabaseURL = project, "https://abc.supabase.co"
	if got := keys(external.FromConfig(cfg, hc)); !slices.Equal(got, []string{"posthog", "stripe", "supabase"}) {
		t.Fatalf("got %v", got)
	}
}

func keys(m map[string]external.Cleaner) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	slices.Sort(k)
	return k
}
