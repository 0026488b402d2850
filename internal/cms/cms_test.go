package cms_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/cms"
)

// fakeClock is a cache clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logBuffer collects log output from concurrent fetches.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// upstream is a fake CMS counting the requests it gets.
type upstream struct {
	*httptest.Server
	hits atomic.Int32
}

func newUpstream(t *testing.T, h http.HandlerFunc) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

type fixture struct {
	client *cms.Client
	clock  *fakeClock
	logs   *logBuffer
}

func newClient(t *testing.T, o cms.Options) fixture {
	t.Helper()
	f := fixture{clock: &fakeClock{t: time.Date(2026, 11, 27, 5, 0, 0, 0, time.UTC)}, logs: &logBuffer{}}
	o.Now = f.clock.Now
	o.Logger = slog.New(slog.NewTextHandler(f.logs, nil))
	c, err := cms.New(o)
	if err != nil {
		t.Fatal(err)
	}
	f.client = c
	return f
}

const goodAnnouncement = `{"visible": true, "url": "https://kira.art/news", "imageUrl": "",
	"title": {"en": "Hello", "ja": "こんにちは"}, "description": "English only"}`

func TestEmbeddedContentIsLocalisedFieldByField(t *testing.T) {
	t.Parallel()
	f := newClient(t, cms.Options{})
	ctx := context.Background()
	ja, ok := f.client.Announcement(ctx, "ja")
	en, _ := f.client.Announcement(ctx, "en")
	ko, _ := f.client.Announcement(ctx, "ko")
	if !ok || !ja.Visible || ja.Title == en.Title || ja.Announcement != ja.Title || ja.Description == en.Description {
		t.Fatalf("ja announcement not localised: %+v vs %+v", ja, en)
	}
	if ko.Title == en.Title || ko.Description != en.Description { // ko has a title but no description
		t.Fatalf("ko should localise the title only: %+v", ko)
	}
	ms, _ := f.client.Announcement(ctx, "ms")
	if ms.Title != en.Title || ms.Description != en.Description {
		t.Fatalf("ms has no text: want English, got %+v", ms)
	}

	cards, ok := f.client.HomeCards(ctx, "de")
	if !ok || len(cards.Cards) == 0 {
		t.Fatalf("no cards: %+v", cards)
	}
	ids := map[string]cms.Card{}
	for _, c := range cards.Cards {
		ids[c.ID] = c
		if c.MediaType == "audio" {
			t.Fatalf("audio card served: %s", c.ID)
		}
		for _, m := range c.InputMedias {
			if m.Type == "audio" {
				t.Fatalf("audio input served on %s", c.ID)
			}
		}
	}
	if _, ok := ids["card-lofi-anthem"]; ok {
		t.Fatal("the audio card was kept")
	}
	for _, id := range cards.FeaturedCardIDs {
		if _, ok := ids[id]; !ok {
			t.Fatalf("featured id %s names a dropped card", id)
		}
	}
	mv := ids["card-music-video"]
	if len(mv.InputMedias) != 2 || mv.Prompt != nil || mv.Image != nil {
		t.Fatalf("music video card: %+v", mv)
	}
	if d := ids["card-dance-loop"]; d.Title != "Bring es zum Tanzen" || d.Description == nil || !strings.HasPrefix(*d.Description, "Turn any") {
		t.Fatalf("dance card in de: title %q description %v", d.Title, d.Description)
	}

	tr, ok := f.client.Trending(ctx, "zh-TW")
	if !ok || len(tr.Items) != 5 || tr.Items[4].Title != "水墨山水" || tr.Items[0].Title != "Neon city nights" {
		t.Fatalf("trending zh-TW: %+v", tr)
	}
}

func TestUpstreamGoodDocumentIsCached(t *testing.T) {
	t.Parallel()
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/announcement" || r.URL.Query().Get("token") != "s3cret" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, goodAnnouncement)
	})
	f := newClient(t, cms.Options{URL: up.URL + "/api?token=s3cret", TTL: time.Minute})
	ctx := context.Background()
	for i, locale := range []string{"ja", "fr"} {
		a, ok := f.client.Announcement(ctx, locale)
		if !ok || !a.Visible || a.ImageURL != nil || a.URL == nil || a.Description != "English only" {
			t.Fatalf("call %d: %+v ok=%v", i, a, ok)
		}
	}
	if a, _ := f.client.Announcement(ctx, "ja"); a.Title != "こんにちは" {
		t.Fatalf("ja title %q", a.Title)
	}
	if n := up.hits.Load(); n != 1 {
		t.Fatalf("upstream hit %d times, want 1 (cached)", n)
	}
	f.clock.Add(time.Minute + time.Second)
	f.client.Announcement(ctx, "en")
	if n := up.hits.Load(); n != 2 {
		t.Fatalf("upstream hit %d times after the TTL, want 2", n)
	}
}

func TestUpstreamFailuresServeTheEmptyShape(t *testing.T) {
	t.Parallel()
	for name, h := range map[string]http.HandlerFunc{
		"500":     func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) },
		"garbage": func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html>not json") },
		"wrong shape": func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"cards": "nope", "items": 7, "title": [1]}`)
		},
		"truncated": func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"cards": [{"id": "a"`) },
		"404":       func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			up := newUpstream(t, h)
			f := newClient(t, cms.Options{URL: up.URL})
			ctx := context.Background()
			a, ok1 := f.client.Announcement(ctx, "en")
			c, ok2 := f.client.HomeCards(ctx, "en")
			tr, ok3 := f.client.Trending(ctx, "en")
			if ok1 || ok2 || ok3 {
				t.Fatal("a failed source reported ok")
			}
			if a != (cms.Announcement{}) || c.Cards == nil || len(c.Cards) != 0 || c.FeaturedCardIDs == nil || tr.Items == nil || len(tr.Items) != 0 {
				t.Fatalf("not the empty shape: %+v %+v %+v", a, c, tr)
			}
			if !strings.Contains(f.logs.String(), "level=WARN") {
				t.Fatalf("no warning logged: %s", f.logs.String())
			}
		})
	}
}

func TestHangingUpstreamTimesOutAndFailureIsRememberedBriefly(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // runs before up.Close, which waits for handlers
	f := newClient(t, cms.Options{URL: up.URL, Timeout: 100 * time.Millisecond, FailTTL: 10 * time.Second})
	start := time.Now()
	a, ok := f.client.Announcement(context.Background(), "en")
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("took %v with a 100ms timeout", elapsed)
	}
	if ok || a.Visible {
		t.Fatalf("hanging upstream: %+v ok=%v", a, ok)
	}
	if !strings.Contains(f.logs.String(), "deadline exceeded") {
		t.Fatalf("timeout not logged: %s", f.logs.String())
	}
	// Within FailTTL the failure is served from the cache, without waiting.
	start = time.Now()
	f.client.Announcement(context.Background(), "en")
	if n := up.hits.Load(); n != 1 || time.Since(start) > time.Second {
		t.Fatalf("failure not remembered: %d hits", n)
	}
	f.clock.Add(11 * time.Second)
	f.client.Announcement(context.Background(), "en")
	if n := up.hits.Load(); n != 2 {
		t.Fatalf("%d hits after FailTTL, want 2", n)
	}
}

func TestRecoveredUpstreamIsServedAfterFailTTL(t *testing.T) {
	t.Parallel()
	var healthy atomic.Bool
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, `{"items": [{"title": "T", "coverType": "video", "coverVideo": "https://v.test/a.mp4"},
			{"title": "bad", "coverType": "audio"}, {"title": {"en": "inferred"}, "coverImage": "https://i.test/b.webp"}]}`)
	})
	f := newClient(t, cms.Options{URL: up.URL, FailTTL: 5 * time.Second})
	ctx := context.Background()
	if _, ok := f.client.Trending(ctx, "en"); ok {
		t.Fatal("down upstream reported ok")
	}
	healthy.Store(true)
	f.clock.Add(6 * time.Second)
	tr, ok := f.client.Trending(ctx, "en")
	if !ok || len(tr.Items) != 2 || tr.Items[0].CoverType != "video" || tr.Items[1].CoverType != "image" || tr.Items[1].Title != "inferred" {
		t.Fatalf("recovered trending: %+v ok=%v", tr, ok)
	}
}

func TestConcurrentRequestsShareOneFetch(t *testing.T) {
	t.Parallel()
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"cards": []}`) })
	f := newClient(t, cms.Options{URL: up.URL})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, ok := f.client.HomeCards(context.Background(), "en"); !ok {
				t.Error("not ok")
			}
		})
	}
	wg.Wait()
	if n := up.hits.Load(); n != 1 {
		t.Fatalf("%d upstream fetches for 20 concurrent requests, want 1", n)
	}
}

func TestCancelledCallerStopsWaiting(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) })
	f := newClient(t, cms.Options{URL: up.URL, Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, ok := f.client.Announcement(ctx, "en"); ok {
			t.Error("cancelled call reported ok")
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled caller kept waiting for the upstream")
	}
}

func TestUnreachableUpstreamDoesNotLogTheURLsToken(t *testing.T) {
	t.Parallel()
	up := httptest.NewServer(http.NotFoundHandler())
	base := up.URL
	up.Close() // nothing listens there any more
	f := newClient(t, cms.Options{URL: base + "/?token=hunter2", Timeout: time.Second})
	if _, ok := f.client.HomeCards(context.Background(), "en"); ok {
		t.Fatal("unreachable upstream reported ok")
	}
	if logs := f.logs.String(); !strings.Contains(logs, "WARN") || strings.Contains(logs, "hunter2") {
		t.Fatalf("log should warn without the token: %s", logs)
	}
}

func TestNewRejectsBadURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"ftp://cms.test", "cms.test/api", "http://"} {
		if _, err := cms.New(cms.Options{URL: u}); err == nil {
			t.Errorf("New(%q) succeeded", u)
		}
	}
}

func TestNilClientServesEmptyShapes(t *testing.T) {
	t.Parallel()
	var c *cms.Client
	a, ok1 := c.Announcement(context.Background(), "en")
	h, ok2 := c.HomeCards(context.Background(), "en")
	tr, ok3 := c.Trending(context.Background(), "en")
	if ok1 || ok2 || ok3 || a.Visible || h.Cards == nil || h.FeaturedCardIDs == nil || tr.Items == nil {
		t.Fatalf("nil client: %+v %+v %+v", a, h, tr)
	}
}
