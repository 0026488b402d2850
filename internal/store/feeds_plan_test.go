package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// seedFeedsSQL bulk-inserts n posts (every tenth hidden, kinds rotating) so
// the planner sees a realistic table rather than an empty one.
func seedFeedsSQL(d store.Dialect, n int) []string {
	gen := "generate_series(1, ?) AS s(g)"
	kind := "(ARRAY['image','video','audio'])[g % 3 + 1]"
	hash := "md5(g::text)"
	if d == store.SQLite {
		gen = "seq"
		kind = "CASE g % 3 WHEN 0 THEN 'image' WHEN 1 THEN 'video' ELSE 'audio' END"
		hash = "printf('%08d', g)"
	}
	insert := `INSERT INTO feeds (id, user_id, media_kind, prompt, flags, is_public, created_at, updated_at)
		SELECT ` + hash + `, 'plan-user', ` + kind + `, '', '[]', g % 10 <> 0, g, g FROM ` + gen
	if d == store.SQLite {
		insert = "WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq WHERE g < ?) " + insert
	}
	return []string{
		"INSERT INTO profiles (id, nickname, plan, created_at, updated_at) VALUES ('plan-user', 'p', 'free', 0, 0)",
		insert,
		"ANALYZE",
	}
}

// TestPublicFeedPlansUseIndexes checks that the feed's first page, offset
// pages and deep keyset pages are index scans of the partial indexes, on
// whichever engine runs.
func TestPublicFeedPlansUseIndexes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const n = 20000
		for _, q := range seedFeedsSQL(s.Dialect(), n) {
			var args []any
			if strings.Contains(q, "?") {
				args = []any{n}
			}
			if err := s.ExecForTest(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		deep := &store.FeedCursor{CreatedAt: time.UnixMicro(n / 50).UTC(), ID: "00000400"}
		cases := []struct {
			name, kind, index string
			after             *store.FeedCursor
			offset            int
		}{
			{"first page", "", "feeds_public", nil, 0},
			{"offset page", "", "feeds_public", nil, 200},
			{"deep keyset page", "", "feeds_public", deep, 0},
			{"first page of a kind", "video", "feeds_public_kind", nil, 0},
			{"deep keyset page of a kind", "audio", "feeds_public_kind", deep, 0},
		}
		for _, c := range cases {
			q, args := store.PublicFeedsQuery(c.kind, c.after, c.offset, 21)
			plan, err := s.ExplainForTest(ctx, q, args...)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s %s:\n%s", s.Dialect(), c.name, plan)
			if !usesIndex(plan, c.index) {
				t.Errorf("%s: plan does not use %s:\n%s", c.name, c.index, plan)
			}
			if strings.Contains(plan, "Seq Scan") || strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "Sort") {
				t.Errorf("%s: plan scans or sorts the table:\n%s", c.name, plan)
			}
			// The joined page (what the API runs) walks the same index for
			// at most a page; only the page itself is sorted afterwards.
			q, args = store.PublicFeedRowsQuery(c.kind, c.after, c.offset, 21, "viewer")
			if plan, err = s.ExplainForTest(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s %s (joined):\n%s", s.Dialect(), c.name, plan)
			if !usesIndex(plan, c.index) || strings.Contains(plan, "Seq Scan on feeds") || strings.Contains(plan+"\n", "SCAN feeds\n") {
				t.Errorf("%s (joined): plan does not walk %s:\n%s", c.name, c.index, plan)
			}
		}
	})
}

// usesIndex reports whether a plan reads the named index (and not merely a
// longer-named one: feeds_public is a prefix of feeds_public_kind).
func usesIndex(plan, index string) bool {
	for _, f := range strings.FieldsFunc(plan, func(r rune) bool { return r == ' ' || r == '\n' || r == '(' }) {
		if f == index {
			return true
		}
	}
	return false
}
