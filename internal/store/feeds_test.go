package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// newFeed inserts a post of kind for userID; flags make it hidden.
func newFeed(t *testing.T, s *store.Store, userID, kind string, flags ...string) store.Feed {
	t.Helper()
	f := store.Feed{ID: uuid.NewString(), UserID: userID, MediaKind: kind, Prompt: "p", Flags: flags}
	if kind == store.MediaImage {
		f.ImageID, f.OriginImageID = "gen_"+uuid.NewString(), "gen_x"
	} else {
		f.TaskID = uuid.NewString()
	}
	f, err := s.CreateFeed(context.Background(), f, "")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func feedIDs(fs []store.Feed) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

func sameIDs(t *testing.T, what string, got []store.Feed, want ...store.Feed) {
	t.Helper()
	g, w := feedIDs(got), feedIDs(want)
	if len(g) != len(w) {
		t.Fatalf("%s: got %v, want %v", what, g, w)
	}
	for i := range g {
		if g[i] != w[i] {
			t.Fatalf("%s: got %v, want %v", what, g, w)
		}
	}
}

func TestCreateAndGetFeed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		pub := newFeed(t, s, u.ID, store.MediaImage)
		hidden := newFeed(t, s, u.ID, store.MediaVideo, store.FlagDuplicate, store.FlagNSFW)
		got, err := s.GetFeed(ctx, pub.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Public || len(got.Flags) != 0 || got.ImageID != pub.ImageID || got.OriginImageID != "gen_x" ||
			got.MediaKind != store.MediaImage || got.LikedNumber != 0 || !got.CreatedAt.Equal(pub.CreatedAt) {
			t.Fatalf("public feed = %+v", got)
		}
		got, _ = s.GetFeed(ctx, hidden.ID)
		if got.Public || len(got.Flags) != 2 || got.Flags[1] != store.FlagNSFW || got.TaskID != hidden.TaskID {
			t.Fatalf("hidden feed = %+v", got)
		}
		if _, err := s.GetFeed(ctx, uuid.NewString()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		if _, err := s.CreateFeed(ctx, pub, ""); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("same id twice: %v", err)
		}
	})
}

func TestCreateFeedRecordsPublicCopy(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		file, err := s.CreateFile(ctx, store.File{ID: "gen_" + uuid.NewString(), UserID: u.ID, Kind: "image",
			Origin: "gen", ContentType: "image/png", StorageKey: "u/x.png"})
		if err != nil {
			t.Fatal(err)
		}
		f := store.Feed{ID: uuid.NewString(), UserID: u.ID, MediaKind: store.MediaImage, ImageID: file.ID,
			PublicKey: "public/abc/media.png"}
		if _, err := s.CreateFeed(ctx, f, file.ID); err != nil {
			t.Fatal(err)
		}
		deleted, err := s.DeleteFeed(ctx, u.ID, f.ID)
		if err != nil || deleted.PublicKey != f.PublicKey {
			t.Fatalf("delete: %+v %v", deleted, err)
		}
	})
}

func TestPublicFeedRowsPaging(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		var images, all []store.Feed // newest first
		for i := range 7 {
			kind := []string{store.MediaImage, store.MediaVideo, store.MediaAudio}[i%3]
			f := newFeed(t, s, u.ID, kind)
			newFeed(t, s, u.ID, kind, store.FlagNSFW) // hidden posts never appear
			all = append([]store.Feed{f}, all...)
			if kind == store.MediaImage {
				images = append([]store.Feed{f}, images...)
			}
		}
		got, err := feedsOf(s.PublicFeedRows(ctx, "", nil, 0, 3, ""))
		if err != nil {
			t.Fatal(err)
		}
		sameIDs(t, "first page", got, all[:3]...)
		got, _ = feedsOf(s.PublicFeedRows(ctx, "", nil, 3, 3, ""))
		sameIDs(t, "offset page", got, all[3:6]...)
		last := all[2]
		got, _ = feedsOf(s.PublicFeedRows(ctx, "", &store.FeedCursor{CreatedAt: last.CreatedAt, ID: last.ID}, 99, 10, ""))
		sameIDs(t, "keyset page ignores offset", got, all[3:]...)
		got, _ = feedsOf(s.PublicFeedRows(ctx, store.MediaImage, nil, 0, 10, ""))
		sameIDs(t, "images", got, images...)
		got, _ = feedsOf(s.PublicFeedRows(ctx, store.MediaImage, &store.FeedCursor{CreatedAt: images[0].CreatedAt, ID: images[0].ID}, 0, 10, ""))
		sameIDs(t, "images after the first", got, images[1:]...)

		// Posts sharing a timestamp are ordered by id and none is skipped.
		ts := time.Now().Add(time.Hour).Truncate(time.Microsecond)
		cur := &store.FeedCursor{CreatedAt: ts, ID: "ffffffff-ffff-ffff-ffff-ffffffffffff"}
		got, _ = feedsOf(s.PublicFeedRows(ctx, "", cur, 0, 100, ""))
		sameIDs(t, "cursor in the future", got, all...)
	})
}

func TestFeaturedUserAndDelete(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, other := newUser(t, s), newUser(t, s)
		a := newFeed(t, s, u.ID, store.MediaImage)
		b := newFeed(t, s, u.ID, store.MediaImage, store.FlagBan)
		c := newFeed(t, s, u.ID, store.MediaAudio)
		for _, f := range []store.Feed{a, b} {
			if err := s.SetFeedFeatured(ctx, f.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetFeedFeatured(ctx, uuid.NewString(), true); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("feature missing: %v", err)
		}
		got, _ := feedsOf(s.FeaturedFeedRows(ctx, 50, ""))
		sameIDs(t, "featured (hidden left out)", got, a)

		got, _ = feedsOf(s.UserFeedRows(ctx, u.ID, false, 0, 10, ""))
		sameIDs(t, "user public", got, c, a)
		got, _ = feedsOf(s.UserFeedRows(ctx, u.ID, true, 0, 10, ""))
		sameIDs(t, "user all", got, c, b, a)
		got, _ = feedsOf(s.UserFeedRows(ctx, u.ID, true, 1, 1, ""))
		sameIDs(t, "user all offset", got, b)

		if _, err := s.LikeFeed(ctx, a.ID, other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeleteFeed(ctx, other.ID, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("delete by another user: %v", err)
		}
		if _, err := s.DeleteFeed(ctx, u.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetFeed(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted feed: %v", err)
		}
		if liked, _ := isLiked(s, ctx, a.ID, other.ID); liked {
			t.Fatal("like survived the delete")
		}
		if _, err := s.DeleteFeed(ctx, u.ID, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestPublicProfileAndSitemap(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, fan, quiet := newUser(t, s), newUser(t, s), newUser(t, s)
		a := newFeed(t, s, u.ID, store.MediaImage)
		b := newFeed(t, s, u.ID, store.MediaVideo)
		hidden := newFeed(t, s, u.ID, store.MediaImage, store.FlagNSFW)
		newFeed(t, s, quiet.ID, store.MediaImage, store.FlagDuplicate)
		for _, f := range []store.Feed{a, b} {
			if _, err := s.LikeFeed(ctx, f.ID, fan.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.LikeFeed(ctx, a.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		p, err := s.GetPublicProfile(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.FeedCount != 2 || p.LikedNumber != 3 || p.Nickname != u.Nickname || p.Plan != "free" || p.Banned {
			t.Fatalf("profile %+v", p)
		}
		if p, _ := s.GetPublicProfile(ctx, quiet.ID); p.FeedCount != 0 || p.LikedNumber != 0 {
			t.Fatalf("quiet profile %+v", p)
		}
		if _, err := s.GetPublicProfile(ctx, uuid.NewString()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown: %v", err)
		}

		users, err := s.SitemapUsers(ctx, 10)
		if err != nil || len(users) != 1 || users[0].ID != u.ID || !users[0].UpdatedAt.Equal(b.UpdatedAt) {
			t.Fatalf("sitemap users %+v %v", users, err)
		}
		feeds, err := s.SitemapFeeds(ctx, 10)
		if err != nil || len(feeds) != 2 || feeds[0].ID != b.ID || feeds[1].ID != a.ID {
			t.Fatalf("sitemap feeds %+v %v", feeds, err)
		}
		if feeds, _ := s.SitemapFeeds(ctx, 1); len(feeds) != 1 {
			t.Fatalf("limit: %d", len(feeds))
		}
		_ = hidden
	})
}

func TestImageThreadAndOrigin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		th, err := s.CreateThread(ctx, store.Thread{ID: uuid.NewString(), UserID: u.ID, Title: "t"}, userMessage("m1", "hi"))
		if err != nil {
			t.Fatal(err)
		}
		img := "gen_" + uuid.NewString()
		reply := store.Message{ThreadID: th.ID, ID: "a1", UserID: u.ID, Role: "assistant", Body: []byte(`{"id":"a1","role":"assistant","parts":[]}`)}
		if _, err := s.SaveMessage(ctx, reply, []store.VersionImage{{ImageID: img}}); err != nil {
			t.Fatal(err)
		}
		threadID, messageID, err := s.ImageOrigin(ctx, img)
		if err != nil || threadID != th.ID || messageID != "a1" {
			t.Fatalf("origin %q %q %v", threadID, messageID, err)
		}
		got, has, err := s.ImageThread(ctx, img)
		if err != nil || got.ID != th.ID || got.UserID != u.ID || !has {
			t.Fatalf("image thread %+v %v %v", got, has, err)
		}
		// An image known only through a post's origin still finds the thread.
		other := "insert_" + uuid.NewString()
		f := store.Feed{ID: uuid.NewString(), UserID: u.ID, MediaKind: store.MediaImage, ImageID: other,
			OriginImageID: other, ThreadID: th.ID}
		if _, err := s.CreateFeed(ctx, f, ""); err != nil {
			t.Fatal(err)
		}
		if got, has, err := s.ImageThread(ctx, other); err != nil || got.ID != th.ID || !has {
			t.Fatalf("via post: %+v %v %v", got, has, err)
		}
		if _, _, err := s.ImageThread(ctx, "gen_unknown"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown image: %v", err)
		}
		if _, _, err := s.ImageOrigin(ctx, "gen_unknown"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown origin: %v", err)
		}
		if _, err := s.RewindThread(ctx, uuid.NewString()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown thread: %v", err)
		}
	})
}
