package external_test

import (
	"context"
	"slices"
	"testing"

	"github.com/kira-art/kira/internal/accounts/external"
	"github.com/kira-art/kira/internal/accounts/external/externaltest"
	"github.com/kira-art/kira/internal/jobs/jobargs"
)

// TestStripeFindsByEmailAndMetadata: without a customer id, the customers
// under the email and those whose metadata names the user go; a customer
// under the same email that belongs to another user, and strangers, stay.
func TestStripeFindsByEmailAndMetadata(t *testing.T) {
	t.Parallel()
	st := externaltest.NewStripe(t, stripeKey)
	a := args(jobargs.ServiceStripe)
	st.AddCustomer("cus_email", a.Email, nil)
	st.AddCustomer("cus_meta", "old@example.com", map[string]string{"userId": a.UserID})
	st.AddCustomer("cus_both", a.Email, map[string]string{"userId": a.UserID})
	st.AddCustomer("cus_reused", a.Email, map[string]string{"userId": "someone-else"})
	st.AddCustomer("cus_stranger", "s@example.com", map[string]string{"userId": "someone-else"})
	if err := external.NewStripe(stripeKey, st.URL, hc).Cleanup(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	got := st.Deleted()
	slices.Sort(got)
	if want := []string{"cus_both", "cus_email", "cus_meta"}; !slices.Equal(got, want) {
		t.Fatalf("deleted %v, want %v", got, want)
	}
}

// TestStripeByCustomerIDDeletesOnlyIt: a known customer id is deleted
// directly, with no list or search; an id Stripe no longer has succeeds.
func TestStripeByCustomerIDDeletesOnlyIt(t *testing.T) {
	t.Parallel()
	st := externaltest.NewStripe(t, stripeKey)
	a := args(jobargs.ServiceStripe)
	st.AddCustomer("cus_known", "", nil)
	st.AddCustomer("cus_other", a.Email, nil)
	c := external.NewStripe(stripeKey, st.URL, hc)
	a.StripeCustomerID = "cus_known"
	if err := c.Cleanup(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if got := st.Calls(); !slices.Equal(got, []string{"DELETE /v1/customers/cus_known"}) {
		t.Fatalf("calls %v", got)
	}
	a.StripeCustomerID = "cus_never_existed"
	if err := c.Cleanup(context.Background(), a); err != nil {
		t.Fatalf("missing customer: %v", err)
	}
	if got := st.Deleted(); !slices.Equal(got, []string{"cus_known"}) {
		t.Fatalf("deleted %v", got)
	}
}

// TestStripeSearchQuotesTheID: a quote in the id cannot widen the search.
func TestStripeSearchQuotesTheID(t *testing.T) {
	t.Parallel()
	st := externaltest.NewStripe(t, stripeKey)
	odd := `x' OR metadata['userId']:'y`
	st.AddCustomer("cus_odd", "", map[string]string{"userId": odd})
	st.AddCustomer("cus_y", "", map[string]string{"userId": "y"})
	err := external.NewStripe(stripeKey, st.URL, hc).Cleanup(context.Background(), jobargs.ExternalCleanup{Service: "stripe", UserID: odd})
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Deleted(); !slices.Equal(got, []string{"cus_odd"}) {
		t.Fatalf("deleted %v", got)
	}
}
