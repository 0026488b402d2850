package httpapi_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
)

func TestFeedPagesAndCursor(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		u := e.member()
		var newestFirst []string
		for i := range 45 {
			kind := []string{store.MediaImage, store.MediaVideo, store.MediaAudio}[i%3]
			newestFirst = append([]string{e.post(u, kind).ID}, newestFirst...)
			if i%5 == 0 {
				e.post(u, kind, store.FlagNSFW) // hidden posts never show
			}
		}
		p1 := e.page("/feed/", "")
		if len(p1.Feeds) != 20 || !p1.HasMore || p1.NextCursor == "" || !slices.Equal(p1.ids(), newestFirst[:20]) {
			t.Fatalf("page 1: %d feeds, hasMore %v, ids %v", len(p1.Feeds), p1.HasMore, p1.ids())
		}
		if p := e.page("/feed", ""); !slices.Equal(p.ids(), p1.ids()) {
			t.Fatal("/feed without the slash differs")
		}
		p2 := e.page("/feed/?page=2", "")
		if !slices.Equal(p2.ids(), newestFirst[20:40]) || !p2.HasMore {
			t.Fatalf("page 2: %v", p2.ids())
		}
		p3 := e.page("/feed/?page=3", u.Token)
		if !slices.Equal(p3.ids(), newestFirst[40:]) || p3.HasMore || p3.NextCursor != "" {
			t.Fatalf("page 3: %v hasMore %v cursor %q", p3.ids(), p3.HasMore, p3.NextCursor)
		}
		if p := e.page("/feed/?page=500", ""); len(p.Feeds) != 0 || p.HasMore {
			t.Fatalf("page 500: %+v", p)
		}
		// Keyset: following nextCursor walks every public post exactly once;
		// page is ignored when a cursor is given.
		var walked []string
		cursor := ""
		for range 10 {
			path := "/feed/"
			if cursor != "" {
				path += "?page=7&cursor=" + cursor
			}
			p := e.page(path, "")
			walked = append(walked, p.ids()...)
			if !p.HasMore {
				break
			}
			cursor = p.NextCursor
		}
		if !slices.Equal(walked, newestFirst) {
			t.Fatalf("cursor walk: %d posts, want %d in order", len(walked), len(newestFirst))
		}
		// mediaType: image posts have mediaType null.
		images := e.page("/feed/?mediaType=image", "")
		videos := e.page("/feed/?mediaType=video", "")
		if len(images.Feeds) != 15 || len(videos.Feeds) != 15 || images.HasMore {
			t.Fatalf("by kind: %d images, %d videos", len(images.Feeds), len(videos.Feeds))
		}
		for _, f := range images.Feeds {
			if f.MediaType != nil || f.Image == nil || f.Image.URL == "" {
				t.Fatalf("image post %+v", f)
			}
		}
		for _, f := range videos.Feeds {
			if f.MediaType == nil || *f.MediaType != "video" || f.Video["url"] == nil {
				t.Fatalf("video post %+v", f)
			}
		}
		audioPage := e.page("/feed/?mediaType=audio&cursor="+cursor, "")
		for _, f := range audioPage.Feeds {
			if *f.MediaType != "audio" || f.Audio == nil {
				t.Fatalf("audio post %+v", f)
			}
		}
		// Other viewers never see flags; the owner sees [] on public posts.
		if p1.Feeds[0].Flag != nil || flagsOf(p3.Feeds[0]) != "[]" {
			t.Fatalf("flags: anonymous %s, owner %s", flagsOf(p1.Feeds[0]), flagsOf(p3.Feeds[0]))
		}
	})
}

func TestFeedBadParameters(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		u := e.member()
		junk := base64.RawURLEncoding.EncodeToString([]byte("123.not-a-uuid"))
		for _, q := range []string{"page=0", "page=-1", "page=abc", "page=1.5", "page=501",
			"page=99999999999999999999", "mediaType=gif", "mediaType=IMAGE", "cursor=garbage!", "cursor=" + junk,
			"cursor=" + base64.RawURLEncoding.EncodeToString([]byte("-5."+uuid.NewString()))} {
			expect(t, e.bad("GET", "/feed/?"+q, u.Token, nil), 400)
		}
		expectError(t, e.bad("GET", "/feed/?page=0", "", nil), 400, "page")
		expectError(t, e.bad("GET", "/feed/not-a-uuid", "", nil), 400, "id")
		expectError(t, e.bad("DELETE", "/feed/not-a-uuid", u.Token, nil), 400, "id")
		expect(t, e.do("GET", "/feed/"+uuid.NewString(), "", nil), 404)
		// An invalid token on an optional-auth route is anonymous, not 401.
		expect(t, e.do("GET", "/feed/", "not.a.token", nil), 200)
	})
}

func TestFeedGetHiddenAndFlags(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		owner, other := e.member(), e.member()
		pub := e.post(owner, store.MediaImage)
		hidden := e.post(owner, store.MediaVideo, store.FlagDuplicate)
		var f feedJSON
		expect(t, e.do("GET", "/feed/"+hidden.ID, owner.Token, nil), 200).json(t, &f)
		if flagsOf(f) != "[duplicate]" || f.ID != hidden.ID || *f.MediaType != "video" || f.Owner.ID != owner.ID {
			t.Fatalf("owner's hidden post: %+v flags %s", f, flagsOf(f))
		}
		expect(t, e.do("GET", "/feed/"+hidden.ID, other.Token, nil), 404)
		expect(t, e.do("GET", "/feed/"+hidden.ID, "", nil), 404)

		f = feedJSON{}
		expect(t, e.do("GET", "/feed/"+pub.ID, other.Token, nil), 200).json(t, &f)
		if f.Flag != nil || f.Owner.Nickname == "" || f.Owner.Plan != "free" || f.Owner.AvatarURL != nil ||
			f.OriginImageID == nil || *f.OriginImageID != pub.OriginImageID || f.IsLiked {
			t.Fatalf("public post to another user: %+v", f)
		}
		f = feedJSON{}
		expect(t, e.do("GET", "/feed/"+pub.ID, owner.Token, nil), 200).json(t, &f)
		if flagsOf(f) != "[]" {
			t.Fatalf("owner's public post flags %s", flagsOf(f))
		}
	})
}

func TestFeedFeaturedRoute(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		u := e.member()
		var want []string
		for i := range 55 {
			f := e.post(u, store.MediaImage)
			if err := e.store.SetFeedFeatured(context.Background(), f.ID, true); err != nil {
				t.Fatal(err)
			}
			if i >= 5 {
				want = append([]string{f.ID}, want...)
			}
		}
		hidden := e.post(u, store.MediaImage, store.FlagNSFW)
		if err := e.store.SetFeedFeatured(context.Background(), hidden.ID, true); err != nil {
			t.Fatal(err)
		}
		e.post(u, store.MediaImage) // not featured
		var out feedPageJSON
		expect(t, e.do("GET", "/feed/featured", "", nil), 200).json(t, &out)
		if !slices.Equal(out.ids(), want) {
			t.Fatalf("featured: %d posts, want the newest 50 featured public ones", len(out.Feeds))
		}
	})
}

func TestFeedDelete(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		owner, other := e.member(), e.member()
		f := e.post(owner, store.MediaImage)
		hidden := e.post(owner, store.MediaImage, store.FlagNSFW)
		expect(t, e.do("PUT", "/like/"+f.ID, other.Token, nil), 200)

		expect(t, e.do("DELETE", "/feed/"+f.ID, "", nil), 401)
		expectError(t, e.do("DELETE", "/feed/"+f.ID, other.Token, nil), 403, "not your post")
		expect(t, e.do("DELETE", "/feed/"+hidden.ID, other.Token, nil), 404)
		expect(t, e.do("DELETE", "/feed/"+uuid.NewString(), other.Token, nil), 404)

		expect(t, e.do("DELETE", "/feed/"+f.ID, owner.Token, nil), 200)
		expect(t, e.do("GET", "/feed/"+f.ID, owner.Token, nil), 404)
		expect(t, e.do("DELETE", "/feed/"+f.ID, owner.Token, nil), 404)
		if p := e.page("/user/"+other.ID+"/liked", other.Token); len(p.Feeds) != 0 {
			t.Fatalf("deleted post still liked: %v", p.ids())
		}
		expect(t, e.do("DELETE", "/feed/"+hidden.ID, owner.Token, nil), 200)
	})
}

// TestFeedPageRendersEveryPart renders a page of several owners and likes
// and checks every batched part (owners, avatars, isLiked, counts) landed
// on the right post: the renderer reads them in fixed batches
// (one joined query, store.FeedRow), so a mix-up would show here.
func TestFeedPageRendersEveryPart(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		viewer := e.member()
		avatarOwner := e.member()
		avatar := e.image(avatarOwner, scene(5, 64, 64), "")
		e.exec("UPDATE profiles SET avatar_image_id = ? WHERE id = ?", avatar, avatarOwner.ID)
		liked := map[string]bool{}
		for i := range 6 {
			owner := e.member()
			if i == 0 {
				owner = avatarOwner
			}
			f := e.post(owner, store.MediaImage)
			if i%2 == 0 {
				expect(t, e.do("PUT", "/like/"+f.ID, viewer.Token, nil), 200)
				liked[f.ID] = true
			}
		}
		p := e.page("/feed/", viewer.Token)
		for _, f := range p.Feeds {
			if f.IsLiked != liked[f.ID] || f.LikedNumber != map[bool]int{true: 1}[liked[f.ID]] {
				t.Fatalf("post %s: isLiked %v likedNumber %d", f.ID, f.IsLiked, f.LikedNumber)
			}
			if (f.Owner.ID == avatarOwner.ID) != (f.Owner.AvatarURL != nil) {
				t.Fatalf("owner %+v", f.Owner)
			}
		}
		for _, f := range e.page("/feed/", "").Feeds {
			if f.IsLiked {
				t.Fatal(fmt.Sprint("anonymous viewer likes ", f.ID))
			}
		}
	})
}
