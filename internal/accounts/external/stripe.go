package external

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/stripe/stripe-go/v82"

	"github.com/kira-art/kira/internal/jobs/jobargs"
)

// Stripe deletes the user's Stripe customers through the official SDK.
// Each Stripe value has its own client (no package-level stripe.Key or
// backends), so several can live side by side, as in parallel tests.
type Stripe struct {
	sc *stripe.Client
}

// NewStripe makes the cleaner. base overrides https://api.stripe.com
// (STRIPE_API_BASE; tests point it at a local server); hc carries the
// timeouts. The SDK's own retries are off: a failed attempt returns, and
// River retries the whole (idempotent) cleanup with its backoff.
func NewStripe(key, base string, hc *http.Client) *Stripe {
	bc := &stripe.BackendConfig{HTTPClient: hc, MaxNetworkRetries: stripe.Int64(0),
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull}}
	if base != "" {
		bc.URL = stripe.String(base)
	}
	return &Stripe{sc: stripe.NewClient(key, stripe.WithBackends(stripe.NewBackendsWithConfig(bc)))}
}

// Cleanup deletes the customer StripeCustomerID names; without one, every
// customer listed under the user's email or carrying metadata userId =
// the user's id. A customer found by email whose metadata names another
// user is left alone (the address may have signed up again since). A
// customer that is already gone is success.
func (s *Stripe) Cleanup(ctx context.Context, a jobargs.ExternalCleanup) error {
	if a.UserID == "" {
		return ErrNoUser
	}
	ids := []string{a.StripeCustomerID}
	if a.StripeCustomerID == "" {
		var err error
		if ids, err = s.find(ctx, a); err != nil {
			return err
		}
	}
	for _, id := range ids {
		if _, err := s.sc.V1Customers.Delete(ctx, id, nil); err != nil && !stripeGone(err) {
			return stripeError(err)
		}
	}
	return nil
}

// find lists the user's customers by email and by metadata, once each.
func (s *Stripe) find(ctx context.Context, a jobargs.ExternalCleanup) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	add := func(c *stripe.Customer) {
		if c != nil && !c.Deleted && !seen[c.ID] {
			seen[c.ID] = true
			ids = append(ids, c.ID)
		}
	}
	if a.Email != "" {
		for c, err := range s.sc.V1Customers.List(ctx, &stripe.CustomerListParams{Email: stripe.String(a.Email)}) {
			if err != nil {
				return nil, stripeError(err)
			}
			if uid := c.Metadata["userId"]; uid == "" || uid == a.UserID {
				add(c)
			}
		}
	}
	q := &stripe.CustomerSearchParams{SearchParams: stripe.SearchParams{Query: metadataQuery(a.UserID)}}
	for c, err := range s.sc.V1Customers.Search(ctx, q) {
		if err != nil {
			return nil, stripeError(err)
		}
		add(c)
	}
	return ids, nil
}

// metadataQuery is the search-language clause metadata['userId']:'<uid>',
// with the value's quotes and backslashes escaped.
func metadataQuery(uid string) string {
	v := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(uid)
	return "metadata['userId']:'" + v + "'"
}

// stripeGone reports Stripe's "No such customer" (404 resource_missing),
// the answer for a customer deleted before or never there.
func stripeGone(err error) bool {
	var se *stripe.Error
	return errors.As(err, &se) && (se.HTTPStatusCode == http.StatusNotFound || se.Code == stripe.ErrorCodeResourceMissing)
}

// stripeError turns the SDK's error into an *Error (Stripe's own message
// masks keys: "Invalid API Key provided: sk_test_****abcd").
func stripeError(err error) error {
	var se *stripe.Error
	if errors.As(err, &se) && se.HTTPStatusCode != 0 {
		return &Error{Service: jobargs.ServiceStripe, Status: se.HTTPStatusCode, Detail: se.Msg}
	}
	return &Error{Service: jobargs.ServiceStripe, Err: stripURL(err)}
}
