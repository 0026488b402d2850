package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

func TestLikeIdempotentAndVisibility(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, fan := newUser(t, s), newUser(t, s)
		f := newFeed(t, s, u.ID, store.MediaImage)
		hidden := newFeed(t, s, u.ID, store.MediaImage, store.FlagNSFW)
		for range 3 {
			if n, err := s.LikeFeed(ctx, f.ID, fan.ID); err != nil || n != 1 {
				t.Fatalf("like: %d %v", n, err)
			}
		}
		if n, err := s.LikeFeed(ctx, hidden.ID, fan.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("like hidden: %d %v", n, err)
		}
		if _, err := s.LikeFeed(ctx, hidden.ID, u.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("owner likes own hidden post: %v", err)
		}
		if _, err := s.LikeFeed(ctx, uuid.NewString(), fan.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("like missing: %v", err)
		}
		liked, err := s.LikedBy(ctx, fan.ID, []string{f.ID, hidden.ID, f.ID})
		if err != nil || !liked[f.ID] || liked[hidden.ID] || len(liked) != 1 {
			t.Fatalf("liked by fan: %v %v", liked, err)
		}
		if liked, _ := s.LikedBy(ctx, "", []string{f.ID}); len(liked) != 0 {
			t.Fatalf("anonymous likes %v", liked)
		}
		for range 2 {
			if n, err := s.UnlikeFeed(ctx, f.ID, fan.ID); err != nil || n != 0 {
				t.Fatalf("unlike: %d %v", n, err)
			}
		}
		if n, err := s.UnlikeFeed(ctx, hidden.ID, fan.ID); err != nil || n != 0 {
			t.Fatalf("unlike hidden: %d %v", n, err)
		}
		if _, err := s.UnlikeFeed(ctx, uuid.NewString(), fan.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unlike missing: %v", err)
		}
	})
}

// TestLikeCountUnderConcurrency hammers one post with likes and unlikes from
// many users at once; the counter must equal the number of like rows.
func TestLikeCountUnderConcurrency(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		owner := newUser(t, s)
		f := newFeed(t, s, owner.ID, store.MediaImage)
		const users = 24
		fans := make([]store.Profile, users)
		for i := range fans {
			fans[i] = newUser(t, s)
		}
		var wg sync.WaitGroup
		errs := make(chan error, users*8)
		for i, fan := range fans {
			wg.Go(func() {
				// Everyone likes twice; odd users then unlike twice, and
				// every third user likes again, racing with the others.
				ops := []bool{true, true}
				if i%2 == 1 {
					ops = append(ops, false, false)
				}
				if i%3 == 0 {
					ops = append(ops, true)
				}
				for _, like := range ops {
					var err error
					if like {
						_, err = s.LikeFeed(ctx, f.ID, fan.ID)
					} else {
						_, err = s.UnlikeFeed(ctx, f.ID, fan.ID)
					}
					if err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		want := 0
		for i := range fans {
			if i%2 == 0 || i%3 == 0 {
				want++
			}
		}
		got, err := s.GetFeed(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		rows := 0
		for _, fan := range fans {
			liked, err := isLiked(s, ctx, f.ID, fan.ID)
			if err != nil {
				t.Fatal(err)
			}
			if liked {
				rows++
			}
		}
		if got.LikedNumber != want || rows != want {
			t.Fatalf("likedNumber %d, like rows %d, want %d", got.LikedNumber, rows, want)
		}
	})
}

func TestListLikedFeeds(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, fan := newUser(t, s), newUser(t, s)
		a, b, c := newFeed(t, s, u.ID, store.MediaImage), newFeed(t, s, u.ID, store.MediaVideo), newFeed(t, s, u.ID, store.MediaAudio)
		// Like order differs from post order: newest like first.
		for _, f := range []store.Feed{b, c, a} {
			if _, err := s.LikeFeed(ctx, f.ID, fan.ID); err != nil {
				t.Fatal(err)
			}
		}
		got, err := feedsOf(s.LikedFeedRows(ctx, fan.ID, 0, 10, ""))
		if err != nil {
			t.Fatal(err)
		}
		sameIDs(t, "liked", got, a, c, b)
		got, _ = feedsOf(s.LikedFeedRows(ctx, fan.ID, 1, 1, ""))
		sameIDs(t, "liked offset", got, c)
		if got, _ := feedsOf(s.LikedFeedRows(ctx, u.ID, 0, 10, "")); len(got) != 0 {
			t.Fatalf("owner liked nothing: %v", feedIDs(got))
		}
	})
}

// race runs fn on n goroutines released at once, so they really overlap.
func race(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

// likeState is a post's counter and its number of like rows among users.
func likeState(t *testing.T, s *store.Store, feedID string, users []store.Profile) (count, rows int) {
	t.Helper()
	f, err := s.GetFeed(context.Background(), feedID)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		liked, err := isLiked(s, context.Background(), feedID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if liked {
			rows++
		}
	}
	return f.LikedNumber, rows
}

// TestLikeSameUserConcurrently is bug 19: the like that loses the race of
// one user's simultaneous likes must still answer a count that includes
// the like (never liked=true with likedNumber 0), and the post ends with
// exactly one like; the same for simultaneous unlikes and zero.
func TestLikeSameUserConcurrently(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		owner, fan := newUser(t, s), newUser(t, s)
		const n = 32
		for round := range 3 { // a fresh post each round: each race starts at zero
			f := newFeed(t, s, owner.ID, store.MediaImage)
			race(n, func(int) {
				if got, err := s.LikeFeed(ctx, f.ID, fan.ID); err != nil || got != 1 {
					t.Errorf("round %d: like answered %d, %v; want 1", round, got, err)
				}
			})
			if count, rows := likeState(t, s, f.ID, []store.Profile{fan}); count != 1 || rows != 1 {
				t.Fatalf("round %d after likes: likedNumber %d, rows %d", round, count, rows)
			}
			race(n, func(int) {
				if got, err := s.UnlikeFeed(ctx, f.ID, fan.ID); err != nil || got != 0 {
					t.Errorf("round %d: unlike answered %d, %v; want 0", round, got, err)
				}
			})
			if count, rows := likeState(t, s, f.ID, []store.Profile{fan}); count != 0 || rows != 0 {
				t.Fatalf("round %d after unlikes: likedNumber %d, rows %d", round, count, rows)
			}
		}
	})
}

// TestLikeStorm: many users like one post at once (twice each), then take
// it back at once; every answer includes the caller's own change and the
// counter ends equal to the like rows.
func TestLikeStorm(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		owner := newUser(t, s)
		f := newFeed(t, s, owner.ID, store.MediaImage)
		fans := make([]store.Profile, 40)
		for i := range fans {
			fans[i] = newUser(t, s)
		}
		race(2*len(fans), func(i int) {
			if got, err := s.LikeFeed(ctx, f.ID, fans[i/2].ID); err != nil || got < 1 || got > len(fans) {
				t.Errorf("like answered %d, %v", got, err)
			}
		})
		if count, rows := likeState(t, s, f.ID, fans); count != len(fans) || rows != len(fans) {
			t.Fatalf("after the storm: likedNumber %d, rows %d, want %d", count, rows, len(fans))
		}
		race(len(fans)/2, func(i int) {
			if got, err := s.UnlikeFeed(ctx, f.ID, fans[i].ID); err != nil || got < 0 || got >= len(fans) {
				t.Errorf("unlike answered %d, %v", got, err)
			}
		})
		if count, rows := likeState(t, s, f.ID, fans); count != len(fans)/2 || rows != len(fans)/2 {
			t.Fatalf("after the unlikes: likedNumber %d, rows %d, want %d", count, rows, len(fans)/2)
		}
	})
}

// TestLikeHiddenOrMissingWritesNothing: a refused like leaves no like row
// and no counter change behind, and unliking never goes below zero.
func TestLikeHiddenOrMissingWritesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		owner, fan := newUser(t, s), newUser(t, s)
		for _, flag := range []string{store.FlagNSFW, store.FlagDuplicate} {
			hidden := newFeed(t, s, owner.ID, store.MediaImage, flag)
			for _, u := range []store.Profile{fan, owner} {
				if n, err := s.LikeFeed(ctx, hidden.ID, u.ID); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("like %s post: %d %v", flag, n, err)
				}
			}
			if count, rows := likeState(t, s, hidden.ID, []store.Profile{fan, owner}); count != 0 || rows != 0 {
				t.Fatalf("%s post after refused likes: likedNumber %d, rows %d", flag, count, rows)
			}
			if n, err := s.UnlikeFeed(ctx, hidden.ID, fan.ID); err != nil || n != 0 {
				t.Fatalf("unlike %s post: %d %v", flag, n, err)
			}
		}
		missing := uuid.NewString()
		if _, err := s.LikeFeed(ctx, missing, fan.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("like missing: %v", err)
		}
		if liked, err := isLiked(s, ctx, missing, fan.ID); err != nil || liked {
			t.Fatalf("like row for a missing post: %v %v", liked, err)
		}
	})
}
