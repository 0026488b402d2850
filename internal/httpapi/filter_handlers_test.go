package httpapi_test

import (
	"context"
	"testing"
)

type filterList struct {
	Filters []struct {
		ID, Name, Category, Prompt, CoverURL string
		Sort                                 int
		Liked                                bool
	}
}

func (l filterList) ids() []string {
	out := make([]string, len(l.Filters))
	for i, f := range l.Filters {
		out[i] = f.ID
	}
	return out
}

func (e *env) loadPresets() {
	e.t.Helper()
	if err := e.api.LoadFilterPresets(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

func TestFilterPresetsLikeAndList(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.loadPresets()
		e.loadPresets() // a restart upserts again without duplicating
		u, other := e.newUser(), e.newUser()
		var all filterList
		expect(t, e.do("GET", "/filter/preset", u.Token, nil), 200).json(t, &all)
		if len(all.Filters) < 20 {
			t.Fatalf("%d presets", len(all.Filters))
		}
		for i, f := range all.Filters {
			if f.Liked || f.Name == "" || f.Prompt == "" || f.CoverURL == "" || (i > 0 && f.Sort < all.Filters[i-1].Sort) {
				t.Fatalf("preset %d out of order or incomplete: %+v", i, f)
			}
		}
		var anime filterList
		expect(t, e.do("GET", "/filter/preset?category=anime", u.Token, nil), 200).json(t, &anime)
		if len(anime.Filters) == 0 || len(anime.Filters) >= len(all.Filters) {
			t.Fatalf("anime: %v", anime.ids())
		}
		for _, f := range anime.Filters {
			if f.Category != "anime" {
				t.Fatalf("category filter leaked %+v", f)
			}
		}
		var none filterList
		expect(t, e.do("GET", "/filter/preset?category=does-not-exist", u.Token, nil), 200).json(t, &none)
		if none.Filters == nil || len(none.Filters) != 0 {
			t.Fatalf("unknown category: %s", none.ids())
		}

		first, second := all.Filters[3].ID, all.Filters[0].ID
		for _, id := range []string{first, second, first} { // liking again is an upsert
			expect(t, e.do("POST", "/filter/like", u.Token, map[string]string{"filterId": id}), 200)
		}
		var liked filterList
		expect(t, e.do("GET", "/filter/liked", u.Token, nil), 200).json(t, &liked)
		if got := liked.ids(); len(got) != 2 || got[0] != second || got[1] != first || !liked.Filters[0].Liked {
			t.Fatalf("liked newest first: %v", got)
		}
		expect(t, e.do("GET", "/filter/preset", u.Token, nil), 200).json(t, &all)
		if !all.Filters[0].Liked || !all.Filters[3].Liked || all.Filters[1].Liked {
			t.Fatal("liked flags wrong in the preset list")
		}
		var theirs filterList
		expect(t, e.do("GET", "/filter/liked", other.Token, nil), 200).json(t, &theirs)
		if len(theirs.Filters) != 0 {
			t.Fatalf("another user sees %v", theirs.ids())
		}

		for range 2 { // idempotent
			expect(t, e.do("DELETE", "/filter/like/"+first, u.Token, nil), 200)
		}
		expect(t, e.do("DELETE", "/filter/like/never-liked", u.Token, nil), 200)
		expect(t, e.do("GET", "/filter/liked", u.Token, nil), 200).json(t, &liked)
		if got := liked.ids(); len(got) != 1 || got[0] != second {
			t.Fatalf("after unlike: %v", got)
		}
	})
}

func TestFilterBadInput(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.loadPresets()
		u := e.newUser()
		expectError(t, e.do("POST", "/filter/like", u.Token, map[string]string{"filterId": "no-such-filter"}), 404, "Filter not found")
		for _, c := range []struct{ body, want string }{
			{`{"filterId": 42}`, "filterId"},
			{`{"filterId": ["anime-chibi"]}`, "filterId"},
			{`{"filterId": ""}`, "filterId"},
			{`{}`, "filterId"},
			{`{"filterId": null}`, "filterId"},
			{`"anime-chibi"`, "object"},
			{`{"filterId": "anime-chibi"`, "malformed"},
			{``, "required"},
		} {
			expectError(t, e.bad("POST", "/filter/like", u.Token, c.body), 400, c.want)
		}
		var liked filterList
		expect(t, e.do("GET", "/filter/liked", u.Token, nil), 200).json(t, &liked)
		if len(liked.Filters) != 0 {
			t.Fatalf("bad input liked %v", liked.ids())
		}
		for _, r := range []struct{ method, path string }{
			{"GET", "/filter/preset"}, {"POST", "/filter/like"}, {"DELETE", "/filter/like/anime-chibi"}, {"GET", "/filter/liked"},
		} {
			var body any
			if r.method == "POST" {
				body = map[string]string{"filterId": "anime-chibi"}
			}
			expectError(t, e.do(r.method, r.path, "", body), 401, "Unauthorized")
		}
	})
}
