package httpapi_test

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/hotcache"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// TestHotFeedNeverShowsDeletedOrHiddenPost reads the cached first page
// right after each write: a new post shows at once, a post stored hidden
// never does, a deleted post is gone at once — the writes invalidate, the
// 1 s max age is not what makes them visible.
func TestHotFeedNeverShowsDeletedOrHiddenPost(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		u := e.member()
		if p := e.page("/feed/", ""); len(p.Feeds) != 0 { // the cache now holds the empty page
			t.Fatalf("fresh feed %v", p.ids())
		}
		e.page("/feed/?mediaType=image", "")
		e.page("/feed/featured", "")
		shown := e.publish(u, e.image(u, scene(7, 96, 64), "fox"))
		if ids := e.page("/feed/", "").ids(); !slices.Equal(ids, []string{shown.ID}) {
			t.Fatalf("after publish: %v, want %s", ids, shown.ID)
		}
		if ids := e.page("/feed/?mediaType=image", "").ids(); !slices.Equal(ids, []string{shown.ID}) {
			t.Fatalf("image page after publish: %v", ids)
		}
		hidden := e.publish(u, e.image(u, blockedImage(), ""))
		if flagsOf(hidden) != "[nsfw]" {
			t.Fatalf("blocked picture flags %s", flagsOf(hidden))
		}
		if ids := e.page("/feed/", u.Token).ids(); slices.Contains(ids, hidden.ID) {
			t.Fatalf("hidden post listed: %v", ids)
		}
		expect(t, e.do("DELETE", "/feed/"+shown.ID, u.Token, nil), 200)
		if ids := e.page("/feed/", "").ids(); len(ids) != 0 {
			t.Fatalf("after delete: %v", ids)
		}
		if ids := e.page("/feed/?mediaType=image", "").ids(); len(ids) != 0 {
			t.Fatalf("image page after delete: %v", ids)
		}
	})
}

// TestHotFeedETagAndOverlay: the cached page carries an ETag, a matching
// If-None-Match is a 304, a garbage one a full 200; a signed-in viewer gets
// the same posts with their own isLiked and, on their posts, flag [].
func TestHotFeedETagAndOverlay(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		author, fan := e.member(), e.member()
		mine := e.post(author, store.MediaImage)
		other := e.post(fan, store.MediaImage)
		expect(t, e.do("PUT", "/like/"+mine.ID, fan.Token, nil), 200)

		first := expect(t, e.do("GET", "/feed/", "", nil), 200)
		tag := first.Header.Get("ETag")
		if tag == "" || first.Header.Get("Vary") == "" {
			t.Fatalf("no ETag/Vary: %v", first.Header)
		}
		again := e.get("/feed/", "If-None-Match", tag)
		if again.Status != http.StatusNotModified || len(again.Body) != 0 {
			t.Fatalf("matching tag: %d %q", again.Status, again.Body)
		}
		if r := e.get("/feed/", "If-None-Match", `"garbage", W/`); r.Status != 200 || len(r.Body) == 0 {
			t.Fatalf("garbage tag: %d", r.Status)
		}
		if r := e.get("/feed/", "If-None-Match", `"0123456789abcdef"`); r.Status != 200 {
			t.Fatalf("stale tag: %d", r.Status)
		}

		anon := e.page("/feed/", "")
		for _, f := range anon.Feeds {
			if f.IsLiked || f.Flag != nil {
				t.Fatalf("anonymous page shows viewer fields: %+v", f)
			}
		}
		byID := func(p feedPageJSON, id string) feedJSON {
			for _, f := range p.Feeds {
				if f.ID == id {
					return f
				}
			}
			t.Fatalf("%s not on the page %v", id, p.ids())
			return feedJSON{}
		}
		fanView := e.page("/feed/", fan.Token)
		if !byID(fanView, mine.ID).IsLiked || byID(fanView, other.ID).IsLiked {
			t.Fatalf("fan's isLiked wrong: %+v", fanView.Feeds)
		}
		if flagsOf(byID(fanView, other.ID)) != "[]" || byID(fanView, mine.ID).Flag != nil {
			t.Fatalf("flags are shown to owners only: %+v", fanView.Feeds)
		}
		if f := byID(e.page("/feed/", ""), mine.ID); f.IsLiked {
			t.Fatal("the overlay leaked into the shared cached page")
		}
	})
}

// get sends a GET with one extra header, outside the contract validator
// (a 304 has no body to validate).
func (e feedEnv) get(path, key, value string) response {
	e.t.Helper()
	return e.env.raw("GET", path, "", "", nil, false, key, value)
}

// TestLikeStormAcrossInstances: many users like one post through two
// servers sharing one database at once; the count is exact.
func TestLikeStormAcrossInstances(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		one, two := feedEnv{rawEnv{env: newEnv(t, st)}}, feedEnv{rawEnv{env: newEnv(t, st)}}
		post := one.post(one.member(), store.MediaImage)
		const fans = 24
		users := make([]user, fans)
		for i := range users {
			users[i] = one.member()
		}
		var wg sync.WaitGroup
		errs := make(chan error, fans*2)
		for i, u := range users {
			srv := one
			if i%2 == 1 { // each test instance has its own development key: same user, its token
				srv = two
				tok, err := two.key.Mint(u.ID, "", time.Hour, "")
				if err != nil {
					t.Fatal(err)
				}
				u.Token = tok
			}
			for range 2 { // a repeated like changes nothing
				wg.Go(func() {
					if r := srv.do("PUT", "/like/"+post.ID, u.Token, nil); r.Status != 200 {
						errs <- fmt.Errorf("like: %d %s", r.Status, r.Body)
					}
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		var got struct{ LikedNumber int }
		expect(t, two.do("GET", "/like/"+post.ID, "", nil), 200).json(t, &got)
		if got.LikedNumber != fans {
			t.Fatalf("likedNumber %d after %d fans liked twice each", got.LikedNumber, fans)
		}
	})
}

// TestCacheInvalidationReachesTheOtherInstance: with Redis, a publish on
// one server invalidates the other's caches (observed on its invalidator,
// not inferred from the 1 s max age).
func TestCacheInvalidationReachesTheOtherInstance(t *testing.T) {
	t.Parallel()
	url := os.Getenv("KIRA_TEST_REDIS_URL")
	if url == "" {
		t.Skip("KIRA_TEST_REDIS_URL not set")
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		prefix := "kiratest:" + uuid.NewString()[:8] + ":"
		one := feedEnv{rawEnv{env: redisEnv(t, st, url, prefix, 0)}}
		two := feedEnv{rawEnv{env: redisEnv(t, st, url, prefix, 0)}}
		var mu sync.Mutex
		var seen []string
		two.api.Cache.OnInvalidate(func(topics []string, _ bool) {
			mu.Lock()
			seen = append(seen, topics...)
			mu.Unlock()
		})
		two.page("/feed/", "")
		u := one.member()
		posted := one.publish(u, one.image(u, scene(9, 80, 80), ""))
		waitFor(t, "the publish's invalidation on the other instance", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return slices.Contains(seen, hotcache.TopicFeed)
		})
		if ids := two.page("/feed/", "").ids(); !slices.Equal(ids, []string{posted.ID}) {
			t.Fatalf("other instance's page %v", ids)
		}
	})
}
