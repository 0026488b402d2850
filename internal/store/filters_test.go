package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

func filterPreset(id, category string, sort int) store.Filter {
	return store.Filter{ID: id, Name: "Name " + id, Category: category, Prompt: "prompt " + id,
		CoverURL: "https://static.test/" + id + ".webp", Sort: sort}
}

func filterIDs(fs []store.Filter) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
		if f.Liked {
			out[i] += "*"
		}
	}
	return out
}

func sameFilterIDs(t *testing.T, what string, got []store.Filter, want ...string) {
	t.Helper()
	if g := filterIDs(got); fmt.Sprint(g) != fmt.Sprint(want) {
		t.Fatalf("%s: got %v, want %v", what, g, want)
	}
}

func TestFiltersListByCategoryAndSortWithLikes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		noErr(t, s.UpsertFilters(ctx, []store.Filter{
			filterPreset("c", "photo", 30), filterPreset("a", "anime", 10), filterPreset("b", "anime", 20), filterPreset("d", "photo", 20),
		}))
		alice, bob := newUser(t, s), newUser(t, s)
		noErr(t, s.LikeFilter(ctx, alice.ID, "c"))
		noErr(t, s.LikeFilter(ctx, alice.ID, "a"))
		noErr(t, s.LikeFilter(ctx, bob.ID, "b"))

		all, err := s.ListFilters(ctx, alice.ID, "")
		noErr(t, err)
		sameFilterIDs(t, "all", all, "a*", "b", "d", "c*") // sort ties (b, d at 20) break by id
		photo, err := s.ListFilters(ctx, alice.ID, "photo")
		noErr(t, err)
		sameFilterIDs(t, "photo", photo, "d", "c*")
		none, err := s.ListFilters(ctx, alice.ID, "nope")
		noErr(t, err)
		if none == nil || len(none) != 0 {
			t.Fatalf("unknown category: %v", none)
		}
		liked, err := s.LikedFilters(ctx, alice.ID)
		noErr(t, err)
		sameFilterIDs(t, "liked newest first", liked, "a*", "c*")
		if liked[0].Name != "Name a" || liked[0].CoverURL == "" || liked[0].LikedAt.IsZero() {
			t.Fatalf("liked row %+v", liked[0])
		}
	})
}

func TestLikeFilterIsIdempotentAndRejectsUnknown(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		noErr(t, s.UpsertFilters(ctx, []store.Filter{filterPreset("a", "x", 1), filterPreset("b", "x", 2)}))
		u := newUser(t, s)
		noErr(t, s.LikeFilter(ctx, u.ID, "a"))
		noErr(t, s.LikeFilter(ctx, u.ID, "b"))
		noErr(t, s.LikeFilter(ctx, u.ID, "a")) // repeat keeps the first time: b stays newest
		liked, _ := s.LikedFilters(ctx, u.ID)
		sameFilterIDs(t, "liked", liked, "b*", "a*")
		if err := s.LikeFilter(ctx, u.ID, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown filter: %v", err)
		}
		noErr(t, s.UnlikeFilter(ctx, u.ID, "a"))
		noErr(t, s.UnlikeFilter(ctx, u.ID, "a"))
		noErr(t, s.UnlikeFilter(ctx, u.ID, "missing"))
		liked, _ = s.LikedFilters(ctx, u.ID)
		sameFilterIDs(t, "after unlike", liked, "b*")
	})
}

func TestConcurrentFilterLikes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		noErr(t, s.UpsertFilters(ctx, []store.Filter{filterPreset("a", "x", 1)}))
		u := newUser(t, s)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if err := s.LikeFilter(ctx, u.ID, "a"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		liked, _ := s.LikedFilters(ctx, u.ID)
		sameFilterIDs(t, "liked", liked, "a*")
	})
}

func TestUpsertFiltersUpdatesAndDeactivatesKeepingFavourites(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		noErr(t, s.UpsertFilters(ctx, []store.Filter{filterPreset("a", "x", 1), filterPreset("b", "x", 2), filterPreset("c", "y", 3)}))
		u := newUser(t, s)
		noErr(t, s.LikeFilter(ctx, u.ID, "b"))

		// A new file: b withdrawn, a renamed and moved last, d added.
		renamed := filterPreset("a", "z", 9)
		renamed.Name, renamed.Prompt = "Renamed", "new prompt"
		noErr(t, s.UpsertFilters(ctx, []store.Filter{renamed, filterPreset("c", "y", 3), filterPreset("d", "y", 4)}))
		all, _ := s.ListFilters(ctx, u.ID, "")
		sameFilterIDs(t, "after withdrawal", all, "c", "d", "a")
		if a := all[2]; a.Name != "Renamed" || a.Category != "z" || a.Prompt != "new prompt" || a.Sort != 9 {
			t.Fatalf("not updated: %+v", a)
		}
		liked, _ := s.LikedFilters(ctx, u.ID)
		sameFilterIDs(t, "withdrawn favourite hidden", liked)
		if err := s.LikeFilter(ctx, u.ID, "b"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("liking a withdrawn filter: %v", err)
		}

		// b comes back: the favourite survived.
		noErr(t, s.UpsertFilters(ctx, []store.Filter{filterPreset("b", "x", 2)}))
		all, _ = s.ListFilters(ctx, u.ID, "")
		sameFilterIDs(t, "b back, rest withdrawn", all, "b*")

		noErr(t, s.UpsertFilters(ctx, nil))
		all, _ = s.ListFilters(ctx, u.ID, "")
		sameFilterIDs(t, "empty file", all)

		if err := s.UpsertFilters(ctx, []store.Filter{filterPreset("a", "x", 1), filterPreset("a", "x", 2)}); err == nil {
			t.Fatal("duplicate ids accepted")
		}
	})
}
