package embed_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/embed"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// post inserts a profile (once) and a post so an embedding can reference it.
func post(t *testing.T, st *store.Store, userID string, public bool) string {
	t.Helper()
	ctx := context.Background()
	if _, _, err := st.EnsureProfile(ctx, userID, ""); err != nil {
		t.Fatal(err)
	}
	f := store.Feed{ID: uuid.NewString(), UserID: userID, MediaKind: store.MediaImage, ImageID: "gen_" + uuid.NewString()}
	if !public {
		f.Flags = []string{store.FlagNSFW}
	}
	if _, err := st.CreateFeed(ctx, f, ""); err != nil {
		t.Fatal(err)
	}
	return f.ID
}

func TestStoreIndex(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		idx := embed.NewStoreIndex(st)
		space := embed.Space(embed.LocalModel, store.MediaImage)
		alice, bob := uuid.NewString(), uuid.NewString()
		base := embed.Normalize(embed.Vector{1, 0, 0, 0})
		near := embed.Normalize(embed.Vector{1, 0.3, 0, 0}) // distance ≈ 0.042
		far := embed.Normalize(embed.Vector{0, 0, 1, 0})

		alicePublic, aliceHidden := post(t, st, alice, true), post(t, st, alice, false)
		bobHidden, bobFar := post(t, st, bob, false), post(t, st, bob, true)
		otherSpace := post(t, st, bob, true)
		for _, e := range []struct {
			feed, user, space string
			public            bool
			v                 embed.Vector
		}{
			{alicePublic, alice, space, true, base},
			{aliceHidden, alice, space, false, near},
			{bobHidden, bob, space, false, base},
			{bobFar, bob, space, true, far},
			{otherSpace, bob, embed.Space(embed.LocalModel, store.MediaVideo), true, base},
		} {
			if err := idx.Upsert(ctx, e.space, e.feed, e.user, e.public, e.v); err != nil {
				t.Fatal(err)
			}
		}

		ids := func(ms []embed.Match) []string {
			var out []string
			for _, m := range ms {
				out = append(out, m.FeedID)
			}
			return out
		}
		// Alice sees her own posts (hidden too) and public ones, nearest first,
		// never Bob's hidden post nor another space.
		got, err := idx.Nearest(ctx, space, base, alice, 0.25)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{alicePublic, aliceHidden}; !equal(ids(got), want) {
			t.Fatalf("alice: %v, want %v", ids(got), want)
		}
		if got[0].Distance != 0 || got[1].Distance < 0.03 || got[1].Distance > 0.06 {
			t.Fatalf("distances %+v", got)
		}
		// Bob: his hidden post and Alice's public one; not Alice's hidden one.
		got, _ = idx.Nearest(ctx, space, base, bob, 0.25)
		if !sameSet(ids(got), []string{bobHidden, alicePublic}) {
			t.Fatalf("bob: %v", ids(got))
		}
		// A stranger only sees public posts; maxDistance 2 reaches everything.
		got, _ = idx.Nearest(ctx, space, base, uuid.NewString(), 2)
		if !sameSet(ids(got), []string{alicePublic, bobFar}) {
			t.Fatalf("stranger: %v", ids(got))
		}
		// Vectors of another length (another model version) are skipped.
		got, _ = idx.Nearest(ctx, space, embed.Vector{1, 0}, alice, 2)
		if len(got) != 0 {
			t.Fatalf("other dims: %v", ids(got))
		}
		// Upsert replaces; Delete forgets (twice is fine).
		if err := idx.Upsert(ctx, space, alicePublic, alice, true, far); err != nil {
			t.Fatal(err)
		}
		if err := idx.Delete(ctx, aliceHidden); err != nil {
			t.Fatal(err)
		}
		if err := idx.Delete(ctx, aliceHidden); err != nil {
			t.Fatal(err)
		}
		got, _ = idx.Nearest(ctx, space, base, alice, 0.25)
		if len(got) != 0 {
			t.Fatalf("after replace and delete: %v", ids(got))
		}
	})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}
