package external_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/accounts/external"
	"github.com/kira-art/kira/internal/accounts/external/externaltest"
	"github.com/kira-art/kira/internal/jobs/jobargs"
)

// TestPostHogDeletesThePersonWithEvents: the person holding the user's id
// goes with its events; other persons stay.
func TestPostHogDeletesThePersonWithEvents(t *testing.T) {
	t.Parallel()
	ph := externaltest.NewPostHog(t, project, postHogKey)
	a := args(jobargs.ServicePostHog)
	mine, other := uuid.NewString(), uuid.NewString()
	ph.AddPerson(other, uuid.NewString())
	ph.AddPerson(mine, "anon-device", a.UserID)
	if err := external.NewPostHog(ph.URL+"/", project, postHogKey, hc).Cleanup(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if got := ph.Deleted(); !slices.Equal(got, []string{mine}) {
		t.Fatalf("deleted %v, want [%s] with its events", got, mine)
	}
	want := []string{"GET /api/projects/" + project + "/persons/", "DELETE /api/projects/" + project + "/persons/" + mine + "/"}
	if got := ph.Calls(); !slices.Equal(got, want) {
		t.Fatalf("calls %v, want %v", got, want)
	}
}

// TestPostHogWrongProjectFails: a 404 on the person list is a wrong
// POSTHOG_PROJECT_ID, not "no person": the job must not complete silently.
func TestPostHogWrongProjectFails(t *testing.T) {
	t.Parallel()
	ph := externaltest.NewPostHog(t, project, postHogKey)
	err := external.NewPostHog(ph.URL, "9999", postHogKey, hc).Cleanup(context.Background(), args(jobargs.ServicePostHog))
	if err == nil {
		t.Fatal("a wrong project succeeded")
	}
}

// FuzzPostHogPersonList: whatever the person list holds, the cleanup does
// not panic, and deletes nobody unless the page names the user's id.
func FuzzPostHogPersonList(f *testing.F) {
	f.Add(`{"next":null,"previous":null,"results":[{"id":"a","uuid":"a","distinct_ids":["u1"]}]}`)
	f.Add(`{"results":[{"id":"b","distinct_ids":["u1"]},{"id":7,"uuid":"","distinct_ids":null}]}`)
	f.Add(`{"results":null}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		var deletes int
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodDelete {
				deletes++
				w.WriteHeader(http.StatusAccepted)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, body) //nolint:errcheck
		}))
		defer srv.Close()
		_ = external.NewPostHog(srv.URL, project, postHogKey, hc).Cleanup(context.Background(),
			jobargs.ExternalCleanup{Service: "posthog", UserID: "u1"})
		if deletes > 0 && !strings.Contains(body, "u1") && !strings.Contains(body, `\u`) { // or spelt with JSON escapes
			t.Fatalf("deleted %d persons from a page without the user's id", deletes)
		}
	})
}
