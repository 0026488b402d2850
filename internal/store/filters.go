package store

import (
	"context"
	"fmt"
	"time"
)

// Filter is a filter preset. Liked is the caller's favourite flag and
// LikedAt its time (zero when not liked); both are filled by the listing
// methods only.
type Filter struct {
	ID       string
	Name     string
	Category string
	Prompt   string
	CoverURL string
	Sort     int
	Active   bool
	Liked    bool
	LikedAt  time.Time
}

// UpsertFilters makes the filters table match the shipped presets: each is
// inserted or updated (and reactivated), and every preset missing from
// presets is marked inactive rather than deleted, so users' favourites of
// it survive a preset being withdrawn and reappear if it comes back. Two
// instances starting with the same file converge on the same rows.
func (s *Store) UpsertFilters(ctx context.Context, presets []Filter) error {
	seen := make(map[string]bool, len(presets))
	for _, f := range presets {
		if f.ID == "" || seen[f.ID] {
			return fmt.Errorf("upsert filters: empty or duplicate id %q", f.ID)
		}
		seen[f.ID] = true
	}
	return s.inTx(ctx, func(c conn) error {
		t := micros(now())
		for _, f := range presets {
			if _, err := c.exec(ctx, `INSERT INTO filters (id, name, category, prompt, cover_url, sort, active, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, TRUE, ?)
				ON CONFLICT (id) DO UPDATE SET name = excluded.name, category = excluded.category,
					prompt = excluded.prompt, cover_url = excluded.cover_url, sort = excluded.sort,
					active = TRUE, updated_at = excluded.updated_at`,
				f.ID, f.Name, f.Category, f.Prompt, f.CoverURL, f.Sort, t); err != nil {
				return fmt.Errorf("upsert filter %s: %w", f.ID, mapErr(err))
			}
		}
		q := "UPDATE filters SET active = FALSE, updated_at = ? WHERE active"
		args := []any{t}
		if len(presets) > 0 {
			q += " AND id NOT IN (" + placeholders(len(presets)) + ")"
			for _, f := range presets {
				args = append(args, f.ID)
			}
		}
		if _, err := c.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("deactivate filters: %w", mapErr(err))
		}
		return nil
	})
}

const filterColumns = "f.id, f.name, f.category, f.prompt, f.cover_url, f.sort, f.active"

// ListFilters returns the active presets ordered by sort (then id, so ties
// are stable), optionally of one category, each with the user's favourite
// flag — one query whatever the number of presets.
func (s *Store) ListFilters(ctx context.Context, userID, category string) ([]Filter, error) {
	q := "SELECT " + filterColumns + `, ff.created_at FROM filters f
		LEFT JOIN filter_favourites ff ON ff.filter_id = f.id AND ff.user_id = ?
		WHERE f.active`
	args := []any{userID}
	if category != "" {
		q += " AND f.category = ?"
		args = append(args, category)
	}
	return s.queryFilters(ctx, q+" ORDER BY f.sort, f.id", args...)
}

// LikedFilters returns the user's favourite active presets, newest
// favourite first. Favourites of withdrawn presets are kept but not listed.
func (s *Store) LikedFilters(ctx context.Context, userID string) ([]Filter, error) {
	return s.queryFilters(ctx, "SELECT "+filterColumns+`, ff.created_at FROM filter_favourites ff
		JOIN filters f ON f.id = ff.filter_id
		WHERE ff.user_id = ? AND f.active
		ORDER BY ff.created_at DESC, f.id`, userID)
}

func (s *Store) queryFilters(ctx context.Context, q string, args ...any) ([]Filter, error) {
	rows, err := s.reader().query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list filters: %w", mapErr(err))
	}
	defer rows.Close()
	out := []Filter{}
	for rows.Next() {
		var f Filter
		var likedAt *int64
		if err := rows.Scan(&f.ID, &f.Name, &f.Category, &f.Prompt, &f.CoverURL, &f.Sort, &f.Active, &likedAt); err != nil {
			return nil, fmt.Errorf("scan filter: %w", mapErr(err))
		}
		if likedAt != nil {
			f.Liked, f.LikedAt = true, fromMicros(*likedAt)
		}
		out = append(out, f)
	}
	return out, mapErr(rows.Err())
}

// LikeFilter favourites an active preset for the user. Repeating it is a
// no-op that keeps the first favourite time. ErrNotFound when the preset
// is unknown or withdrawn.
func (s *Store) LikeFilter(ctx context.Context, userID, filterID string) error {
	return s.inTx(ctx, func(c conn) error {
		// INSERT … SELECT inserts nothing for an unknown filter instead of
		// tripping the foreign key, which keeps a Postgres transaction usable.
		res, err := c.exec(ctx, `INSERT INTO filter_favourites (user_id, filter_id, created_at)
			SELECT ?, id, ? FROM filters WHERE id = ? AND active
			ON CONFLICT (user_id, filter_id) DO NOTHING`, userID, micros(now()), filterID)
		if err != nil {
			return fmt.Errorf("like filter: %w", mapErr(err))
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		var active bool
		err = c.row(ctx, "SELECT active FROM filters WHERE id = ?", filterID).Scan(&active)
		if err = mapErr(err); err != nil {
			return err
		}
		if !active {
			return ErrNotFound
		}
		return nil // already a favourite
	})
}

// UnlikeFilter removes a favourite; removing a missing one is not an error.
func (s *Store) UnlikeFilter(ctx context.Context, userID, filterID string) error {
	return s.inTx(ctx, func(c conn) error {
		if _, err := c.exec(ctx, "DELETE FROM filter_favourites WHERE user_id = ? AND filter_id = ?", userID, filterID); err != nil {
			return fmt.Errorf("unlike filter: %w", mapErr(err))
		}
		return nil
	})
}
