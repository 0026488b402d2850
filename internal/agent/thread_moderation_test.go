package agent_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/agent"
	"github.com/kira-art/kira/internal/moderation"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// TestModerateThreadText runs the thread check with the real local checker
// (and, for the outage, the real HTTP checker against a server that is
// gone); the images path is covered end to end in internal/httpapi.
func TestModerateThreadText(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		local := moderation.NewLocal(moderation.Lists{NSFWTerms: []string{"nude"}}, 0)
		m := agent.NewThreadModeration(s, nil, local, quiet())

		flagged := newThread(t, s, u, text("a nude fox"))
		// An id of no stored file is skipped, never fetched.
		clean := newThread(t, s, u, text("a fox"), file("image/png", "https://example.com/upload_"+uuid.NewString()+".png", ""))
		for _, id := range []string{flagged, clean, flagged} { // a second run is a no-op
			if err := m.ModerateThread(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		if f := title(t, s, u, flagged).Flags; !slices.Equal(f, []string{store.FlagNSFW}) {
			t.Fatalf("flagged thread flags %v", f)
		}
		if f := title(t, s, u, clean).Flags; len(f) != 0 {
			t.Fatalf("clean thread flags %v", f)
		}

		// A thread deleted before the job ran is done.
		if err := m.ModerateThread(ctx, uuid.NewString()); err != nil {
			t.Fatalf("missing thread: %v", err)
		}

		// An outage or a missing checker is an error (the job retries), and
		// nothing is flagged.
		gone := httptest.NewServer(nil)
		gone.Close()
		remote, err := moderation.NewHTTP(moderation.HTTPConfig{BaseURL: gone.URL})
		if err != nil {
			t.Fatal(err)
		}
		later := newThread(t, s, u, text("a fox"))
		if err := agent.NewThreadModeration(s, nil, moderation.NewCombined(local, remote), quiet()).ModerateThread(ctx, later); !errors.Is(err, moderation.ErrUnavailable) {
			t.Fatalf("outage: %v", err)
		}
		if err := agent.NewThreadModeration(s, nil, nil, quiet()).ModerateThread(ctx, later); err == nil {
			t.Fatal("no checker passed")
		}
		if f := title(t, s, u, later).Flags; len(f) != 0 {
			t.Fatalf("flags %v without a verdict", f)
		}
	})
}
