package httpapi_test

import (
	"slices"
	"testing"

	"github.com/kira-art/kira/internal/store"
)

func TestSitemaps(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		a, b, quiet, banned := e.member(), e.member(), e.member(), e.member()
		pa := e.post(a, store.MediaImage)
		pb := e.post(b, store.MediaVideo)
		e.post(quiet, store.MediaImage, store.FlagNSFW)
		e.post(banned, store.MediaImage)
		e.exec("UPDATE profiles SET banned = TRUE WHERE id = ?", banned.ID)
		hidden := e.post(a, store.MediaAudio, store.FlagDuplicate)

		type entries []struct{ ID, UpdatedAt string }
		ids := func(es entries) []string {
			var out []string
			for _, x := range es {
				out = append(out, x.ID)
			}
			return out
		}
		var users struct{ Users entries }
		r := expect(t, e.do("GET", "/sitemap/users", "", nil), 200)
		r.json(t, &users)
		if got := r.Header.Get("Cache-Control"); got != "public, max-age=3600" {
			t.Fatalf("Cache-Control %q", got)
		}
		if want := []string{b.ID, a.ID}; !slices.Equal(ids(users.Users), want) {
			t.Fatalf("users %v, want %v (newest activity first, no banned or hidden-only users)", ids(users.Users), want)
		}
		var feeds struct{ Feeds entries }
		r = expect(t, e.do("GET", "/sitemap/feeds", a.Token, nil), 200)
		r.json(t, &feeds)
		if r.Header.Get("Cache-Control") != "public, max-age=3600" {
			t.Fatal("feeds sitemap not cacheable")
		}
		got := ids(feeds.Feeds)
		if slices.Contains(got, hidden.ID) || !slices.Contains(got, pa.ID) || !slices.Contains(got, pb.ID) || len(got) != 3 {
			t.Fatalf("feeds %v", got)
		}
	})
}
