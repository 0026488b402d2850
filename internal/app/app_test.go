package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/app"
	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

func testConfig(t testing.TB, extra map[string]string) config.Config {
	t.Helper()
	vars := map[string]string{"KIRA_DATA_DIR": t.TempDir(), "KIRA_ADDR": "127.0.0.1:0", "KIRA_LOG_LEVEL": "error"}
	for k, v := range extra {
		vars[k] = v
	}
	cfg, err := config.FromLookup(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestAppStartsServesAndStops runs the app the binary runs: it opens its
// own SQLite database in the data directory, listens, answers, and stops.
func TestAppStartsServesAndStops(t *testing.T) {
	t.Parallel()
	a, err := app.New(context.Background(), testConfig(t, nil), quiet)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/health": `"ok"`, "/ready": `"database":"ok"`, "/feed/": `"feeds":[]`} {
		resp, err := http.Get("http://" + a.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d %s, want %s", path, resp.StatusCode, body, want)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + a.Addr() + "/health"); err == nil {
		t.Error("still listening after Stop")
	}
}

// TestAppRefusesBadConfiguration: a Redis that cannot be reached stops
// start-up with the reason, and nothing is left running.
func TestAppRefusesBadConfiguration(t *testing.T) {
	t.Parallel()
	_, err := app.New(context.Background(), testConfig(t, map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0"}), quiet)
	if err == nil || !strings.Contains(err.Error(), "redis") {
		t.Fatalf("unreachable redis: %v", err)
	}
}

// seedFeed writes n image posts with their files and authors, as a
// published feed looks to the page query.
func seedFeed(tb testing.TB, st *store.Store, n int) {
	tb.Helper()
	ctx := context.Background()
	for i := range n {
		p, _, err := st.EnsureProfile(ctx, uuid.NewString(), fmt.Sprintf("u%d@example.com", i))
		if err != nil {
			tb.Fatal(err)
		}
		id := "gen_" + uuid.NewString()
		base := p.ID + "/" + id + "/"
		if _, err := st.CreateFile(ctx, store.File{ID: id, UserID: p.ID, Kind: "image", Origin: "gen",
			ContentType: "image/png", Size: 1, StorageKey: base + "original.png", ThumbKey: base + "thumb.jpg",
			BlurKey: base + "blur.jpg", Blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj", Width: 1024, Height: 768}); err != nil {
			tb.Fatal(err)
		}
		if _, err := st.CreateFeed(ctx, store.Feed{ID: uuid.NewString(), UserID: p.ID, MediaKind: store.MediaImage,
			ImageID: id, OriginImageID: id, PublicKey: "public/" + id + "/original.png",
			Prompt: "a red fox in the snow, watercolor"}, ""); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkFeedPage serves GET /feed/ pages (20 posts of 41 seeded)
// through the whole app handler — middleware, routing, the page query,
// conversion, URL signing, encoding — on SQLite (and on Postgres with
// KIRA_TEST_DATABASE_URL), reporting allocations per page.
func BenchmarkFeedPage(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			st := be.Open(b)
			seedFeed(b, st, 41)
			a, err := app.New(context.Background(), testConfig(b, nil), quiet, app.WithStore(st))
			if err != nil {
				b.Fatal(err)
			}
			defer a.Stop(context.Background()) //nolint:errcheck
			h := a.Handler()
			first := httptest.NewRecorder()
			h.ServeHTTP(first, httptest.NewRequest("GET", "/feed/", nil))
			var page struct{ NextCursor string }
			if err := json.Unmarshal(first.Body.Bytes(), &page); err != nil || page.NextCursor == "" {
				b.Fatalf("first page: %v %s", err, first.Body)
			}
			// page=1 is served from the hot cache; the cursor page (20 posts,
			// not cached) is the whole uncached path.
			for _, path := range []string{"/feed/?page=1", "/feed/?page=1&mediaType=image", "/feed/?cursor=" + page.NextCursor} {
				name := strings.TrimPrefix(path, "/feed/?")
				if strings.HasPrefix(name, "cursor=") {
					name = "cursor"
				}
				b.Run(name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						w := httptest.NewRecorder()
						h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
						if w.Code != 200 {
							b.Fatalf("%d %s", w.Code, w.Body)
						}
					}
				})
			}
		})
	}
}
