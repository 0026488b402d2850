package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/store/storetest"
)

// getWithLanguage is a GET carrying an Accept-Language header (omitted
// when empty), checked against the contract like every other exchange.
func (e *env) getWithLanguage(path, lang string) response {
	e.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), "GET", e.srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

type announcementBody struct {
	Announcement, Title, Description string
	URL, ImageURL                    *string
	Visible                          bool
}

type homeCardsBody struct {
	Cards []struct {
		ID, MediaType, Title string
		Description          *string
		InputMedias          []struct{ Type, URL string }
	}
	FeaturedCardIDs []string
}

type trendingBody struct {
	Items []struct{ Title, CoverType string }
}

func varies(t *testing.T, r response) {
	t.Helper()
	if !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Accept-Language") {
		t.Fatalf("Vary header %q lacks Accept-Language", r.Header.Values("Vary"))
	}
}

// The CMS tests need no database rows; SQLite alone keeps them quick.
func newCMSEnv(t *testing.T, mutate ...func(*config.Config)) *env {
	t.Helper()
	return newEnv(t, storetest.OpenSQLite(t), mutate...)
}

func TestCMSContentByLanguage(t *testing.T) {
	t.Parallel()
	e := newCMSEnv(t)
	var en, ja, garbage, none, long announcementBody
	r := expect(t, e.getWithLanguage("/op/announcement", "en-US,en;q=0.9"), 200)
	r.json(t, &en)
	varies(t, r)
	if !en.Visible || en.Title == "" || en.Announcement != en.Title || en.URL == nil {
		t.Fatalf("en announcement %+v", en)
	}
	r = expect(t, e.getWithLanguage("/op/announcement", "ja-JP,ja;q=0.9,en;q=0.5"), 200)
	r.json(t, &ja)
	if ja.Title == en.Title || ja.Description == en.Description || r.Header.Get("Content-Language") != "ja" {
		t.Fatalf("ja announcement %+v (Content-Language %q)", ja, r.Header.Get("Content-Language"))
	}
	expect(t, e.getWithLanguage("/op/announcement", ";;;q=x"), 200).json(t, &garbage)
	expect(t, e.getWithLanguage("/op/announcement", ""), 200).json(t, &none)
	expect(t, e.getWithLanguage("/op/announcement", strings.Repeat("x-garbage-tag;q=0.1,", 400)), 200).json(t, &long)
	for name, a := range map[string]announcementBody{"garbage": garbage, "missing": none, "long": long} {
		if a.Title != en.Title || a.Description != en.Description {
			t.Fatalf("%s header should give English, got %+v", name, a)
		}
	}

	var cards homeCardsBody
	r = expect(t, e.getWithLanguage("/op/homecards/v2", "es-MX"), 200)
	r.json(t, &cards)
	varies(t, r)
	seen := map[string]bool{}
	for _, c := range cards.Cards {
		seen[c.ID] = true
		if c.MediaType == "audio" {
			t.Fatalf("audio card %s served", c.ID)
		}
		for _, m := range c.InputMedias {
			if m.Type == "audio" {
				t.Fatalf("audio input on %s", c.ID)
			}
		}
	}
	if len(cards.Cards) == 0 || seen["card-lofi-anthem"] || !seen["card-dance-loop"] {
		t.Fatalf("cards %v", seen)
	}
	for _, id := range cards.FeaturedCardIDs {
		if !seen[id] {
			t.Fatalf("featured %s is not among the cards", id)
		}
	}

	var tr trendingBody
	r = expect(t, e.getWithLanguage("/op/trending", "zh-CN,zh;q=0.9"), 200)
	r.json(t, &tr)
	varies(t, r)
	if len(tr.Items) == 0 || tr.Items[0].Title != "霓虹城市之夜" {
		t.Fatalf("trending zh-CN %+v", tr)
	}
}

func TestCMSUpstream(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/announcement":
			io.WriteString(w, `{"visible": true, "url": "https://kira.art/x", "title": {"en": "Up", "fr": "En haut"}, "description": "only English"}`)
		case "/homecards":
			io.WriteString(w, `{"cards": [{"id": "v", "coverType": "video", "coverVideo": "https://v.test/v.mp4", "title": "Clip", "mediaType": "video",
				"inputMedias": [{"type": "audio", "url": "https://a.test/a.mp3"}, {"type": "image", "url": "https://i.test/i.png"}], "isFeatured": true},
				{"id": "a", "coverType": "image", "title": "Song", "mediaType": "audio"}]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(good.Close)
	e := newCMSEnv(t, func(c *config.Config) { c.CMSURL = good.URL })
	var a announcementBody
	for range 2 {
		r := expect(t, e.getWithLanguage("/op/announcement", "fr-FR"), 200)
		r.json(t, &a)
		if cc := r.Header.Get("Cache-Control"); cc != "public, max-age=60" {
			t.Fatalf("Cache-Control %q", cc)
		}
	}
	if a.Title != "En haut" || a.Description != "only English" || a.ImageURL != nil || !a.Visible {
		t.Fatalf("upstream announcement %+v", a)
	}
	if hits.Load() != 1 {
		t.Fatalf("upstream hit %d times for two requests", hits.Load())
	}
	var cards homeCardsBody
	expect(t, e.getWithLanguage("/op/homecards/v2", ""), 200).json(t, &cards)
	if len(cards.Cards) != 1 || len(cards.Cards[0].InputMedias) != 1 || len(cards.FeaturedCardIDs) != 1 {
		t.Fatalf("upstream cards %+v", cards)
	}
	var tr trendingBody // the upstream 404s trending: empty shape
	r := expect(t, e.getWithLanguage("/op/trending", "de"), 200)
	r.json(t, &tr)
	if tr.Items == nil || len(tr.Items) != 0 || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("failed trending %+v, Cache-Control %q", tr, r.Header.Get("Cache-Control"))
	}
}

func TestCMSUpstreamFailuresServeTheEmptyShape(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	for name, h := range map[string]http.HandlerFunc{
		"hangs": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		},
		"500":     func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) },
		"garbage": func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "{\"visible\": tru") },
	} {
		up := httptest.NewServer(h)
		t.Cleanup(up.Close)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newCMSEnv(t, func(c *config.Config) { c.CMSURL = up.URL; c.CMSTimeout = 150 * time.Millisecond })
			start := time.Now()
			var a announcementBody
			r := expect(t, e.getWithLanguage("/op/announcement", "ko"), 200)
			r.json(t, &a)
			varies(t, r)
			if a.Visible || a.Title != "" || a.URL != nil || a.ImageURL != nil {
				t.Fatalf("announcement %+v", a)
			}
			var cards homeCardsBody
			expect(t, e.getWithLanguage("/op/homecards/v2", "ko"), 200).json(t, &cards)
			var tr trendingBody
			expect(t, e.getWithLanguage("/op/trending", "ko"), 200).json(t, &tr)
			if cards.Cards == nil || len(cards.Cards) != 0 || cards.FeaturedCardIDs == nil || tr.Items == nil || len(tr.Items) != 0 {
				t.Fatalf("empty shape: %+v %+v", cards, tr)
			}
			if elapsed := time.Since(start); elapsed > 3*time.Second {
				t.Fatalf("three requests took %v with a 150ms upstream timeout", elapsed)
			}
		})
	}
	t.Cleanup(func() { close(release) }) // before the upstreams close: Close waits for handlers
}
