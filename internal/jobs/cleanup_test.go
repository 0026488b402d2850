package jobs_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river/rivertype"

	"github.com/kira-art/kira/internal/accounts/external"
	"github.com/kira-art/kira/internal/accounts/external/externaltest"
	"github.com/kira-art/kira/internal/jobs"
	"github.com/kira-art/kira/internal/jobs/jobargs"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// waitJobs polls until every job of kind is finished (completed,
// cancelled or discarded) and returns them.
func waitJobs(t *testing.T, j *jobs.Jobs, kind string, n int, within time.Duration) []*rivertype.JobRow {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		rows, err := j.JobsOfKind(context.Background(), kind)
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, r := range rows {
			if r.FinalizedAt != nil {
				done++
			}
		}
		if len(rows) == n && done == n {
			return rows
		}
		if time.Now().After(deadline) {
			states := []string{}
			for _, r := range rows {
				states = append(states, string(r.State))
			}
			t.Fatalf("%d of %d %s jobs finished after %s: %v", done, n, kind, within, states)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestExternalCleanupRetriesThroughAnOutage: one job per service, inserted
// through the store, each upstream failing its first call (503, 500, 503);
// the real River workers retry and every job ends completed on its second
// attempt with the record deleted upstream.
func TestExternalCleanupRetriesThroughAnOutage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		uid := uuid.NewString()
		email := uid[:8] + "@example.com"
		sp := externaltest.NewStripe(t, "sk_test_k")
		sp.AddCustomer("cus_1", email, map[string]string{"userId": uid})
		sp.FailNext(http.StatusServiceUnavailable)
		ph := externaltest.NewPostHog(t, "1", "phx_k")
		person := uuid.NewString()
		ph.AddPerson(person, uid)
		ph.FailNext(http.StatusInternalServerError)
		sb := externaltest.NewSupabase(t, "srk")
		sb.AddUser(uid)
		sb.FailNext(http.StatusServiceUnavailable)
		hc := &http.Client{Timeout: 5 * time.Second}
		j := startJobs(t, st, &recorder{st: st}, jobs.Config{RetryDelay: 10 * time.Millisecond, Cleaners: map[string]jobs.Cleaner{
			jobargs.ServiceStripe:   external.NewStripe("sk_test_k", sp.URL, hc),
			jobargs.ServicePostHog:  external.NewPostHog(ph.URL, "1", "phx_k", hc),
			jobargs.ServiceSupabase: external.NewSupabase(sb.URL, "srk", hc),
		}})
		if err := st.Enqueue(context.Background(),
			jobargs.ExternalCleanup{Service: jobargs.ServiceStripe, UserID: uid, Email: email},
			jobargs.ExternalCleanup{Service: jobargs.ServicePostHog, UserID: uid, Email: email},
			jobargs.ExternalCleanup{Service: jobargs.ServiceSupabase, UserID: uid, Email: email}); err != nil {
			t.Fatal(err)
		}
		for _, r := range waitJobs(t, j, jobargs.ExternalCleanup{}.Kind(), 3, 30*time.Second) {
			if r.State != rivertype.JobStateCompleted || r.Attempt != 2 || len(r.Errors) != 1 {
				t.Errorf("job %d: %s after %d attempts (errors %v), want completed on the 2nd", r.ID, r.State, r.Attempt, r.Errors)
			}
		}
		if !slices.Equal(sp.Deleted(), []string{"cus_1"}) || !slices.Equal(ph.Deleted(), []string{person}) || !slices.Equal(sb.Deleted(), []string{uid}) {
			t.Fatalf("deleted: stripe %v, posthog %v, supabase %v", sp.Deleted(), ph.Deleted(), sb.Deleted())
		}
	})
}

// TestExternalCleanupUnconfiguredCompletes: with no cleaners (a dev setup)
// every job completes on its first attempt, and a job without a user id
// is cancelled rather than retried.
func TestExternalCleanupUnconfiguredCompletes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		sb := externaltest.NewSupabase(t, "srk")
		j := startJobs(t, st, &recorder{st: st}, jobs.Config{Cleaners: map[string]jobs.Cleaner{
			jobargs.ServiceSupabase: external.NewSupabase(sb.URL, "srk", http.DefaultClient)}})
		uid := uuid.NewString()
		if err := st.Enqueue(context.Background(),
			jobargs.ExternalCleanup{Service: jobargs.ServiceStripe, UserID: uid},
			jobargs.ExternalCleanup{Service: jobargs.ServicePostHog, UserID: uid},
			jobargs.ExternalCleanup{Service: jobargs.ServiceSupabase}); err != nil {
			t.Fatal(err)
		}
		for _, r := range waitJobs(t, j, jobargs.ExternalCleanup{}.Kind(), 3, 30*time.Second) {
			var a jobargs.ExternalCleanup
			if err := json.Unmarshal(r.EncodedArgs, &a); err != nil {
				t.Fatal(err)
			}
			want := rivertype.JobStateCompleted
			if a.UserID == "" {
				want = rivertype.JobStateCancelled
			}
			if r.State != want || r.Attempt != 1 {
				t.Errorf("job %d (%s): %s after %d attempts, want %s after 1", r.ID, a.Service, r.State, r.Attempt, want)
			}
		}
		if c := sb.Calls(); len(c) != 0 {
			t.Fatalf("supabase got %v for a job without a user", c)
		}
	})
}

// TestExternalCleanupRejectedKeyKeepsRetrying: a rejected key is not
// cancelled — the job stays scheduled for another attempt, so a fixed key
// still deletes the user upstream.
func TestExternalCleanupRejectedKeyKeepsRetrying(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		sb := externaltest.NewSupabase(t, "srk")
		uid := uuid.NewString()
		sb.AddUser(uid)
		j := startJobs(t, st, &recorder{st: st}, jobs.Config{RetryDelay: 10 * time.Millisecond, Cleaners: map[string]jobs.Cleaner{
			jobargs.ServiceSupabase: external.NewSupabase(sb.URL, "stale-key", http.DefaultClient)}})
		if err := st.Enqueue(context.Background(), jobargs.ExternalCleanup{Service: jobargs.ServiceSupabase, UserID: uid}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			rows, err := j.JobsOfKind(context.Background(), jobargs.ExternalCleanup{}.Kind())
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) == 1 && len(rows[0].Errors) >= 2 {
				if r := rows[0]; r.FinalizedAt != nil {
					t.Fatalf("job finalized as %s after a rejected key", r.State)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no second attempt within 30 s: %v", rows)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(sb.Deleted()) != 0 {
			t.Fatal("deleted with a rejected key")
		}
	})
}
