package store

import (
	"context"
	"strings"
)

// PublicFeedsQuery exposes the page query (without the joins) to the plan
// tests.
func PublicFeedsQuery(mediaKind string, after *FeedCursor, offset, limit int) (string, []any) {
	return publicFeedsQuery(plainFeedColumns, mediaKind, after, offset, limit)
}

// ExplainForTest returns the engine's plan of a query, one line per row.
func (s *Store) ExplainForTest(ctx context.Context, query string, args ...any) (string, error) {
	prefix := "EXPLAIN "
	if s.dialect == SQLite {
		prefix = "EXPLAIN QUERY PLAN "
	}
	rows, err := s.reader().query(ctx, prefix+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		lines = append(lines, toString(vals[len(vals)-1]))
	}
	return strings.Join(lines, "\n"), rows.Err()
}

// ExecForTest runs a statement (bulk seeding for plan tests).
func (s *Store) ExecForTest(ctx context.Context, query string, args ...any) error {
	return s.inTx(ctx, func(c conn) error {
		_, err := c.exec(ctx, query, args...)
		return err
	})
}

func toString(v any) string {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case string:
		return x
	}
	return ""
}

// PublicFeedRowsQuery exposes the SQL of PublicFeedRows (unbound) to the
// plan tests.
func PublicFeedRowsQuery(mediaKind string, after *FeedCursor, offset, limit int, viewerID string) (string, []any) {
	inner, args := publicFeedRowsInner(mediaKind, after, offset, limit)
	return feedRowsQuery(inner, args, viewerID)
}
