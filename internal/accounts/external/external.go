// Package external deletes a hard-deleted user's records at third-party
// services: the Stripe customer, the PostHog person and the Supabase auth
// user. Each service is a Cleaner; the River worker in internal/jobs calls
// the one named by a jobargs.ExternalCleanup job, and River's retries carry
// a cleanup through an upstream outage.
//
// Every Cleaner is idempotent: a record that is already gone (never
// existed, deleted by an earlier attempt, deleted by hand) is success.
package external

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/jobs/jobargs"
)

// Cleaner deletes one user's record at one service.
type Cleaner interface {
	Cleanup(ctx context.Context, args jobargs.ExternalCleanup) error
}

// ErrNoUser is a job without a user id: it can never succeed (and an
// empty filter could match everyone), so nothing is sent.
var ErrNoUser = errors.New("external cleanup: the job names no user")

// DefaultTimeout bounds one upstream call when FromConfig is given no
// HTTP client of its own.
const DefaultTimeout = 30 * time.Second

// FromConfig builds the cleaners whose settings are present, keyed by the
// jobargs.Service* names; a service left out is not cleaned up (its jobs
// complete at once). hc carries the timeouts; nil means a client with
// DefaultTimeout.
func FromConfig(cfg config.Config, hc *http.Client) map[string]Cleaner {
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	m := map[string]Cleaner{}
	if cfg.Accounts.StripeSecretKey != "" {
		m[jobargs.ServiceStripe] = NewStripe(cfg.Accounts.StripeSecretKey, cfg.Accounts.StripeAPIBase, hc)
	}
	an := cfg.Analytics
	if an.PostHogPersonalAPIKey != "" && an.PostHogProjectID != "" && an.PostHogHost != "" {
		m[jobargs.ServicePostHog] = NewPostHog(an.PostHogHost, an.PostHogProjectID, an.PostHogPersonalAPIKey, hc)
	}
	if cfg.Accounts.SupabaseServiceRoleKey != "" && cfg.SupabaseURL != "" {
		m[jobargs.ServiceSupabase] = NewSupabase(cfg.SupabaseURL, cfg.Accounts.SupabaseServiceRoleKey, hc)
	}
	return m
}

// Error is a failed call to a service. Every Error is worth retrying:
// outages (no answer, 429, 5xx) pass by themselves, and a rejected key
// (401/403) is fixed by an operator within the days River keeps retrying,
// after which the cleanup still runs — cancelling would leave the user's
// data upstream for good.
type Error struct {
	Service string
	Status  int    // HTTP status; 0 when the service did not answer
	Detail  string // the service's own message, short; never a credential
	Err     error  // the transport error, when Status is 0
}

func (e *Error) Error() string {
	switch {
	case e.Status == 0:
		return fmt.Sprintf("%s: no answer: %v", e.Service, e.Err)
	case e.ConfigProblem():
		return fmt.Sprintf("%s: credentials rejected (HTTP %d; check the key and its scopes): %s", e.Service, e.Status, e.Detail)
	}
	return fmt.Sprintf("%s: HTTP %d: %s", e.Service, e.Status, e.Detail)
}

func (e *Error) Unwrap() error { return e.Err }

// ConfigProblem reports a rejected credential: the operator, not time,
// fixes it (internal/jobs logs it at error level).
func (e *Error) ConfigProblem() bool {
	return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
}

// Temporary reports an outage that passes by itself.
func (e *Error) Temporary() bool {
	return e.Status == 0 || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// IsConfigProblem reports whether err is (or wraps) a rejected credential.
func IsConfigProblem(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.ConfigProblem()
}

// maxDetail caps how much of an upstream's error body goes into an Error.
const maxDetail = 200

// send makes one call with the given auth headers; it returns the status
// and body of any answer, or an *Error when there was none. A body is read
// up to 1 MiB (a person list page is far smaller).
func send(ctx context.Context, hc *http.Client, service string, req *http.Request) (int, []byte, error) {
	res, err := hc.Do(req.WithContext(ctx))
	if err != nil {
		return 0, nil, &Error{Service: service, Err: stripURL(err)}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return 0, nil, &Error{Service: service, Err: err}
	}
	return res.StatusCode, body, nil
}

// failure is the Error of an answer that is neither success nor "gone".
func failure(service string, status int, body []byte) error {
	d := strings.TrimSpace(string(body))
	if len(d) > maxDetail {
		d = d[:maxDetail] + "…"
	}
	return &Error{Service: service, Status: status, Detail: d}
}

// stripURL keeps a transport error's cause but not the request URL, which
// would name the user id (harmless) and, on a misconfigured base with
// userinfo, a credential.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

func ok(status int) bool { return status >= 200 && status < 300 }
