package store

import (
	"context"
	"fmt"
	"time"
)

// SitemapEntry is one URL of the sitemap: an id and when it last changed.
type SitemapEntry struct {
	ID        string
	UpdatedAt time.Time
}

// SitemapUsers lists users with at least one public post, most recently
// active first, with the time of their latest public post change. Banned
// users are left out even if an old post is still public.
func (s *Store) SitemapUsers(ctx context.Context, limit int) ([]SitemapEntry, error) {
	return s.sitemap(ctx, `SELECT f.user_id, MAX(f.updated_at) AS updated FROM feeds f
		JOIN profiles p ON p.id = f.user_id
		WHERE f.is_public AND NOT p.banned
		GROUP BY f.user_id ORDER BY updated DESC, f.user_id LIMIT ?`, limit)
}

// SitemapFeeds lists public posts newest first (the feeds_public index
// order).
func (s *Store) SitemapFeeds(ctx context.Context, limit int) ([]SitemapEntry, error) {
	return s.sitemap(ctx, `SELECT id, updated_at FROM feeds WHERE is_public
		ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
}

func (s *Store) sitemap(ctx context.Context, q string, limit int) ([]SitemapEntry, error) {
	rows, err := s.reader().query(ctx, q, limit)
	if err != nil {
		return nil, fmt.Errorf("sitemap: %w", mapErr(err))
	}
	defer rows.Close()
	out := []SitemapEntry{}
	for rows.Next() {
		var e SitemapEntry
		var updated int64
		if err := rows.Scan(&e.ID, &updated); err != nil {
			return nil, err
		}
		e.UpdatedAt = fromMicros(updated)
		out = append(out, e)
	}
	return out, rows.Err()
}
