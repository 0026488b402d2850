package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/store"
)

// The feed benchmarks run against a database filled by `kira seed`
// (docs/benchmarks.md has the commands and the numbers). They are skipped
// unless KIRA_BENCH_DATABASE_URL names it, so ordinary test runs stay fast:
//
//	KIRA_BENCH_DATABASE_URL='postgres://postgres@127.0.0.1:5432/kira_bench?sslmode=disable' \
//	  go test -run '^$' -bench Feed -benchtime 2s ./internal/store/

const envBenchDatabaseURL = "KIRA_BENCH_DATABASE_URL"

// feedPageSize is what GET /feed/ asks the store for: 20 posts and one
// more to know whether there is a next page.
const feedPageSize = 21

func openBench(b *testing.B) (*store.Store, *sql.DB) {
	b.Helper()
	url := os.Getenv(envBenchDatabaseURL)
	if url == "" {
		b.Skip(envBenchDatabaseURL + " is not set (see docs/benchmarks.md)")
	}
	s, err := store.Open(context.Background(), url, "")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	raw, err := sql.Open("pgx", url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { raw.Close() })
	var n int
	if err := raw.QueryRow("SELECT COUNT(*) FROM feeds WHERE is_public").Scan(&n); err != nil || n < 1000 {
		b.Skipf("the bench database holds %d public posts (%v); seed it first", n, err)
	}
	return s, raw
}

// cursorAt is the keyset position of the public post at a depth (0-based)
// in feed order, i.e. what a client holds after scrolling that far.
func cursorAt(b *testing.B, raw *sql.DB, kind string, depth int) *store.FeedCursor {
	b.Helper()
	q := "SELECT created_at, id FROM feeds WHERE is_public"
	args := []any{}
	if kind != "" {
		q += " AND media_kind = $2"
		args = append(args, kind)
	}
	q += " ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1"
	var us int64
	var id string
	err := raw.QueryRow(q, append([]any{depth}, args...)...).Scan(&us, &id)
	if errors.Is(err, sql.ErrNoRows) {
		b.Skipf("the bench database has fewer than %d public posts", depth+1)
	}
	if err != nil {
		b.Fatal(err)
	}
	return &store.FeedCursor{CreatedAt: time.UnixMicro(us).UTC(), ID: id}
}

func benchFeed(b *testing.B, s *store.Store, kind string, after *store.FeedCursor, offset int) {
	b.Helper()
	ctx := context.Background()
	if feeds, err := s.PublicFeedRows(ctx, kind, after, offset, feedPageSize, ""); err != nil {
		b.Fatal(err)
	} else if len(feeds) != feedPageSize {
		b.Skipf("the bench database is too small for this page (%d posts)", len(feeds))
	}
	for b.Loop() {
		if _, err := s.PublicFeedRows(ctx, kind, after, offset, feedPageSize, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFeedFirstPage is GET /feed/ (page 1, all kinds).
func BenchmarkFeedFirstPage(b *testing.B) {
	s, _ := openBench(b)
	benchFeed(b, s, "", nil, 0)
}

// BenchmarkFeedFirstPageVideo is GET /feed/?mediaType=video.
func BenchmarkFeedFirstPageVideo(b *testing.B) {
	s, _ := openBench(b)
	benchFeed(b, s, store.MediaVideo, nil, 0)
}

// BenchmarkFeedOffsetPage is GET /feed/?page=N: OFFSET reads and discards
// every row before the page, so its cost grows with depth.
func BenchmarkFeedOffsetPage(b *testing.B) {
	s, _ := openBench(b)
	for _, page := range []int{50, 500, 5000, 25000} {
		b.Run("page="+strconv.Itoa(page), func(b *testing.B) { benchFeed(b, s, "", nil, (page-1)*20) })
	}
}

// BenchmarkFeedKeysetPage is GET /feed/?cursor=…: a range scan starting at
// the cursor, so its cost does not depend on depth.
func BenchmarkFeedKeysetPage(b *testing.B) {
	s, raw := openBench(b)
	for _, depth := range []int{1000, 100_000, 500_000} {
		b.Run("depth="+strconv.Itoa(depth), func(b *testing.B) { benchFeed(b, s, "", cursorAt(b, raw, "", depth), 0) })
	}
	b.Run("video/depth=50000", func(b *testing.B) {
		benchFeed(b, s, store.MediaVideo, cursorAt(b, raw, store.MediaVideo, 50_000), 0)
	})
}

// BenchmarkFeedPageWithRelations is the page with everything it shows
// (owners, tasks, files, the viewer's likes) in one joined query: the
// store side of a whole GET /feed/ response.
func BenchmarkFeedPageWithRelations(b *testing.B) {
	s, raw := openBench(b)
	ctx := context.Background()
	var viewer string
	if err := raw.QueryRow("SELECT user_id FROM likes LIMIT 1").Scan(&viewer); err != nil {
		b.Fatal(err)
	}
	after := cursorAt(b, raw, "", 100_000)
	for b.Loop() {
		if _, err := s.PublicFeedRows(ctx, "", after, 0, feedPageSize, viewer); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTimelinesFirstPage is GET /thread/timelines (store side) for
// the user with the most posts (the largest threads) and for a user with
// the median number of posts.
func BenchmarkTimelinesFirstPage(b *testing.B) {
	s, raw := openBench(b)
	users := map[string]string{}
	for name, q := range map[string]string{
		"heaviest": "SELECT user_id FROM feeds GROUP BY user_id ORDER BY COUNT(*) DESC, user_id LIMIT 1",
		"median": `SELECT user_id FROM feeds GROUP BY user_id ORDER BY COUNT(*), user_id
			OFFSET (SELECT COUNT(DISTINCT user_id) / 2 FROM feeds) LIMIT 1`,
	} {
		var id string
		if err := raw.QueryRow(q).Scan(&id); err != nil {
			b.Fatal(err)
		}
		users[name] = id
	}
	for _, name := range []string{"median", "heaviest"} {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			items := 0
			for b.Loop() {
				page, err := s.ListTimelines(ctx, users[name], nil, 5)
				if err != nil || len(page.Timelines) == 0 {
					b.Fatalf("timelines: %d, %v", len(page.Timelines), err)
				}
				items = 0
				for _, t := range page.Timelines {
					items += len(t.Items)
				}
			}
			b.ReportMetric(float64(items), "items/page")
		})
	}
}
