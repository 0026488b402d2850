package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/accounts/external/externaltest"
	"github.com/kira-art/kira/internal/app"
	"github.com/kira-art/kira/internal/jobs/jobargs"
	"github.com/kira-art/kira/internal/store/storetest"
)

// TestAppRunsExternalCleanups: with STRIPE_* and POSTHOG_* set, the app
// the binary runs wires the cleaners into its workers, and the clean-up
// jobs of a deleted user reach the (fake) upstreams.
func TestAppRunsExternalCleanups(t *testing.T) {
	t.Parallel()
	uid := uuid.NewString()
	sp := externaltest.NewStripe(t, "sk_test_app")
	sp.AddCustomer("cus_app", "", map[string]string{"userId": uid})
	ph := externaltest.NewPostHog(t, "7", "phx_app")
	ph.AddPerson(uuid.NewString(), uid)
	st := storetest.OpenSQLite(t)
	cfg := testConfig(t, map[string]string{"STRIPE_SECRET_KEY": "sk_test_app", "STRIPE_API_BASE": sp.URL,
		"POSTHOG_PERSONAL_API_KEY": "phx_app", "POSTHOG_HOST": ph.URL, "POSTHOG_PROJECT_ID": "7"})
	a, err := app.New(context.Background(), cfg, quiet, app.WithStore(st))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a.Stop(ctx) //nolint:errcheck
	})
	if err := st.Enqueue(context.Background(),
		jobargs.ExternalCleanup{Service: jobargs.ServiceStripe, UserID: uid},
		jobargs.ExternalCleanup{Service: jobargs.ServicePostHog, UserID: uid},
		jobargs.ExternalCleanup{Service: jobargs.ServiceSupabase, UserID: uid}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(sp.Deleted()) != 1 || len(ph.Deleted()) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s: stripe deleted %v, posthog %v", sp.Deleted(), ph.Deleted())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
