package httpapi_test

import (
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
)

type likeJSON struct {
	Liked       bool
	LikedNumber int
}

func (e feedEnv) like(method, feedID, token string, status int) likeJSON {
	e.t.Helper()
	var l likeJSON
	r := expect(e.t, e.do(method, "/like/"+feedID, token, nil), status)
	if status == 200 {
		r.json(e.t, &l)
	}
	return l
}

func TestLikeRoutes(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		owner, fan := e.member(), e.member()
		f := e.post(owner, store.MediaImage)
		hidden := e.post(owner, store.MediaImage, store.FlagNSFW)

		if l := e.like("GET", f.ID, "", 200); l.Liked || l.LikedNumber != 0 {
			t.Fatalf("anonymous get %+v", l)
		}
		for range 2 { // idempotent
			if l := e.like("PUT", f.ID, fan.Token, 200); !l.Liked || l.LikedNumber != 1 {
				t.Fatalf("put %+v", l)
			}
		}
		if l := e.like("GET", f.ID, fan.Token, 200); !l.Liked || l.LikedNumber != 1 {
			t.Fatalf("fan get %+v", l)
		}
		if l := e.like("GET", f.ID, "", 200); l.Liked || l.LikedNumber != 1 {
			t.Fatalf("anonymous get after like %+v", l)
		}
		var fj feedJSON
		expect(t, e.do("GET", "/feed/"+f.ID, fan.Token, nil), 200).json(t, &fj)
		if !fj.IsLiked || fj.LikedNumber != 1 {
			t.Fatalf("feed after like: isLiked %v likedNumber %d", fj.IsLiked, fj.LikedNumber)
		}
		for range 2 {
			if l := e.like("DELETE", f.ID, fan.Token, 200); l.Liked || l.LikedNumber != 0 {
				t.Fatalf("delete %+v", l)
			}
		}

		// Hidden and missing posts cannot be liked; anonymous callers cannot
		// like at all; garbage ids are 400.
		e.like("PUT", hidden.ID, fan.Token, 404)
		e.like("PUT", hidden.ID, owner.Token, 404)
		e.like("GET", hidden.ID, fan.Token, 404)
		if l := e.like("GET", hidden.ID, owner.Token, 200); l.LikedNumber != 0 {
			t.Fatalf("owner get hidden %+v", l)
		}
		e.like("PUT", uuid.NewString(), fan.Token, 404)
		e.like("DELETE", uuid.NewString(), fan.Token, 404)
		e.like("GET", uuid.NewString(), "", 404)
		e.like("PUT", f.ID, "", 401)
		e.like("DELETE", f.ID, "", 401)
		expectError(t, e.bad("PUT", "/like/123", fan.Token, nil), 400, "feedId")
		// Unliking a hidden post is allowed (a like may predate the flag).
		if l := e.like("DELETE", hidden.ID, fan.Token, 200); l.Liked {
			t.Fatalf("unlike hidden %+v", l)
		}
	})
}

// TestLikeCountConcurrentHTTP races likes and unlikes of many users on one
// post through the API; the final count equals the users who like it.
func TestLikeCountConcurrentHTTP(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		owner := e.member()
		f := e.post(owner, store.MediaImage)
		const n = 16
		fans := make([]user, n)
		for i := range fans {
			fans[i] = e.member()
		}
		// t.Errorf, not Fatal: these run off the test goroutine.
		call := func(method, token string) {
			if r := e.do(method, "/like/"+f.ID, token, nil); r.Status != 200 {
				t.Errorf("%s: status %d %s", method, r.Status, r.Body)
			}
		}
		var wg sync.WaitGroup
		for i, fan := range fans {
			wg.Go(func() {
				for round := range 3 {
					call("PUT", fan.Token)
					if i%2 == 1 && round < 2 {
						call("DELETE", fan.Token)
					}
				}
				if i%4 == 3 {
					call("DELETE", fan.Token)
				}
			})
		}
		wg.Wait()
		want := 0
		for i := range fans {
			if i%4 != 3 {
				want++
			}
		}
		if l := e.like("GET", f.ID, "", 200); l.LikedNumber != want {
			t.Fatalf("likedNumber %d, want %d", l.LikedNumber, want)
		}
		var p struct{ LikedNumber int }
		expect(t, e.do("GET", "/user/profile/"+owner.ID, "", nil), 200).json(t, &p)
		if p.LikedNumber != want {
			t.Fatalf("owner's likes received %d, want %d", p.LikedNumber, want)
		}
	})
}
