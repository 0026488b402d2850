package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/apitest"
	"github.com/kira-art/kira/internal/store"
)

type publicProfileJSON struct {
	ID, Nickname, Plan     string
	AvatarURL              *string
	FeedCount, LikedNumber int
}

func TestUserPublicProfile(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		u, fan := e.member(), e.member()
		a, b := e.post(u, store.MediaImage), e.post(u, store.MediaAudio)
		e.post(u, store.MediaImage, store.FlagNSFW)
		for _, f := range []store.Feed{a, b} {
			expect(t, e.do("PUT", "/like/"+f.ID, fan.Token, nil), 200)
		}
		var p publicProfileJSON
		expect(t, e.do("GET", "/user/profile/"+u.ID, "", nil), 200).json(t, &p)
		if p.ID != u.ID || p.FeedCount != 2 || p.LikedNumber != 2 || p.Plan != "free" || p.Nickname == "" || p.AvatarURL != nil {
			t.Fatalf("profile %+v", p)
		}
		// The own private profile route is a different pattern and still works.
		var own struct{ ID, Email string }
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200).json(t, &own)
		if own.ID != u.ID || own.Email == "" {
			t.Fatalf("own profile %+v", own)
		}
		expect(t, e.do("GET", "/user/profile/"+uuid.NewString(), fan.Token, nil), 404)
		expectError(t, e.bad("GET", "/user/profile/nope", "", nil), 400, "userId")
		e.exec("UPDATE profiles SET banned = TRUE WHERE id = ?", u.ID)
		expect(t, e.do("GET", "/user/profile/"+u.ID, "", nil), 404)
	})
}

func TestUserFeedAndLiked(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		u, fan := e.member(), e.member()
		var public, all []string // newest first
		for i := range 23 {
			var f store.Feed
			if i%4 == 0 {
				f = e.post(u, store.MediaVideo, store.FlagDuplicate)
			} else {
				f = e.post(u, store.MediaImage)
				public = append([]string{f.ID}, public...)
			}
			all = append([]string{f.ID}, all...)
		}
		other := e.post(fan, store.MediaImage)

		p := e.page("/user/"+u.ID+"/feed", fan.Token)
		if !slices.Equal(p.ids(), public[:min(20, len(public))]) || p.HasMore || p.NextCursor != "" {
			t.Fatalf("public listing: %v hasMore %v", p.ids(), p.HasMore)
		}
		for _, f := range p.Feeds {
			if f.Flag != nil {
				t.Fatal("flags shown to another user")
			}
		}
		own := e.page("/user/"+u.ID+"/feed?page=1", u.Token)
		if !slices.Equal(own.ids(), all[:20]) || !own.HasMore {
			t.Fatalf("owner listing: %v", own.ids())
		}
		for _, f := range own.Feeds {
			want := "[duplicate]"
			if slices.Contains(public, f.ID) {
				want = "[]"
			}
			if flagsOf(f) != want {
				t.Fatalf("owner sees flags %s on %s, want %s", flagsOf(f), f.ID, want)
			}
		}
		if p2 := e.page("/user/"+u.ID+"/feed?page=2", u.Token); !slices.Equal(p2.ids(), all[20:]) || p2.HasMore {
			t.Fatalf("owner page 2: %v", p2.ids())
		}

		// Liked: public posts only, newest like first.
		for _, id := range []string{public[3], other.ID, public[0], all[0]} {
			e.do("PUT", "/like/"+id, fan.Token, nil) // all[0] is hidden: 404, not listed
		}
		liked := e.page("/user/"+fan.ID+"/liked", "")
		if want := []string{public[0], other.ID, public[3]}; !slices.Equal(liked.ids(), want) {
			t.Fatalf("liked %v, want %v", liked.ids(), want)
		}
		if liked.Feeds[0].IsLiked {
			t.Fatal("an anonymous viewer likes nothing")
		}
		if l := e.page("/user/"+fan.ID+"/liked", fan.Token); !l.Feeds[0].IsLiked {
			t.Fatal("the fan's own liked list does not show isLiked")
		}

		// Unknown and banned users are 404, except to themselves; bad input 400.
		expect(t, e.do("GET", "/user/"+uuid.NewString()+"/feed", "", nil), 404)
		expect(t, e.do("GET", "/user/"+uuid.NewString()+"/liked", "", nil), 404)
		for _, q := range []string{"page=0", "page=x", "page=100000000000000000000"} {
			expectError(t, e.bad("GET", "/user/"+u.ID+"/feed?"+q, "", nil), 400, "page")
			expectError(t, e.bad("GET", "/user/"+u.ID+"/liked?"+q, "", nil), 400, "page")
		}
		expectError(t, e.bad("GET", "/user/nope/feed", "", nil), 400, "userId")
		e.exec("UPDATE profiles SET banned = TRUE WHERE id = ?", u.ID)
		expect(t, e.do("GET", "/user/"+u.ID+"/feed", fan.Token, nil), 404)
		expect(t, e.do("GET", "/user/"+u.ID+"/feed", u.Token, nil), 200)
	})
}

// TestUserRoutesOverlap drives every pattern that shares /user/{a}/{b}.
func TestUserRoutesOverlap(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		u := e.member()
		expect(t, e.do("GET", "/user/profile/"+u.ID, "", nil), 200)
		expect(t, e.do("GET", "/user/"+u.ID+"/feed", "", nil), 200)
		expect(t, e.do("GET", "/user/"+u.ID+"/liked", "", nil), 200)
		// /user/profile/feed is the public profile of "feed" (not a UUID).
		expectError(t, e.bad("GET", "/user/profile/feed", "", nil), 400, "userId")
		expectError(t, e.bad("GET", "/user/profile/liked", "", nil), 400, "userId")
		// Other /user/{a}/{b} paths and other methods are plain 404s.
		for _, c := range [][2]string{{"GET", "/user/" + u.ID + "/posts"}, {"GET", "/user/" + u.ID + "/feed/extra"},
			{"DELETE", "/user/" + u.ID + "/feed"}, {"POST", "/user/profile/" + u.ID}} {
			req, _ := http.NewRequestWithContext(apitest.WithoutValidation(context.Background()), c[0], e.srv.URL+c[1], nil)
			resp, err := e.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 {
				t.Errorf("%s %s: status %d, want 404", c[0], c[1], resp.StatusCode)
			}
		}
	})
}
