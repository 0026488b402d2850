package store

import (
	"context"
	"errors"
	"fmt"
)

// LikeFeed records userID's like of a public post and returns the post's
// like count. It is idempotent: the like row is inserted with ON CONFLICT
// DO NOTHING and the counter moves only when a row was actually inserted,
// in the same transaction, so concurrent likes and unlikes never drift.
// A missing or hidden post is ErrNotFound.
func (s *Store) LikeFeed(ctx context.Context, feedID, userID string) (int, error) {
	var count int
	err := s.inTx(ctx, func(c conn) error {
		if err := c.row(ctx, "SELECT liked_number FROM feeds WHERE id = ? AND is_public", feedID).Scan(&count); err != nil {
			return mapErr(err)
		}
		res, err := c.exec(ctx, `INSERT INTO likes (feed_id, user_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT (feed_id, user_id) DO NOTHING`, feedID, userID, micros(now()))
		if err != nil {
			if err = mapErr(err); errors.Is(err, ErrConflict) {
				return ErrNotFound // the post was deleted meanwhile (foreign key)
			}
			return fmt.Errorf("insert like: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return bumpLikes(ctx, c, feedID, +1, &count)
	})
	return count, err
}

// UnlikeFeed removes userID's like (idempotent) and returns the post's like
// count; the counter moves only when a like row was deleted. It works on
// hidden posts too, so a like given before a post was hidden can be taken
// back. A missing post is ErrNotFound.
func (s *Store) UnlikeFeed(ctx context.Context, feedID, userID string) (int, error) {
	var count int
	err := s.inTx(ctx, func(c conn) error {
		if err := c.row(ctx, "SELECT liked_number FROM feeds WHERE id = ?", feedID).Scan(&count); err != nil {
			return mapErr(err)
		}
		res, err := c.exec(ctx, "DELETE FROM likes WHERE feed_id = ? AND user_id = ?", feedID, userID)
		if err != nil {
			return fmt.Errorf("delete like: %w", mapErr(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return bumpLikes(ctx, c, feedID, -1, &count)
	})
	return count, err
}

// bumpLikes moves the counter by one in SQL (never read-modify-write in
// Go) and reads it back. The UPDATE takes the row lock, so concurrent
// changes serialise on Postgres; SQLite has a single writer anyway. It never
// goes below zero, which the CHECK constraint would refuse.
func bumpLikes(ctx context.Context, c conn, feedID string, delta int, count *int) error {
	q := "UPDATE feeds SET liked_number = liked_number + 1 WHERE id = ?"
	if delta < 0 {
		q = "UPDATE feeds SET liked_number = liked_number - 1 WHERE id = ? AND liked_number > 0"
	}
	if _, err := c.exec(ctx, q, feedID); err != nil {
		return fmt.Errorf("update like count: %w", mapErr(err))
	}
	return mapErr(c.row(ctx, "SELECT liked_number FROM feeds WHERE id = ?", feedID).Scan(count))
}

// IsLiked reports whether userID likes the post.
func (s *Store) IsLiked(ctx context.Context, feedID, userID string) (bool, error) {
	liked, err := s.LikedBy(ctx, userID, []string{feedID})
	return liked[feedID], err
}

// LikedBy returns which of feedIDs userID likes, in one query. An empty
// userID (anonymous viewer) likes nothing.
func (s *Store) LikedBy(ctx context.Context, userID string, feedIDs []string) (map[string]bool, error) {
	out := map[string]bool{}
	feedIDs = nonEmptyUnique(feedIDs)
	if userID == "" || len(feedIDs) == 0 {
		return out, nil
	}
	rows, err := s.reader().query(ctx, "SELECT feed_id FROM likes WHERE user_id = ? AND feed_id IN ("+
		placeholders(len(feedIDs))+")", append([]any{userID}, anySlice(feedIDs)...)...)
	if err != nil {
		return nil, fmt.Errorf("liked by: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// ListLikedFeeds pages the public posts userID liked, newest like first.
func (s *Store) ListLikedFeeds(ctx context.Context, userID string, offset, limit int) ([]Feed, error) {
	rows, err := s.reader().query(ctx, "SELECT "+feedColumns("f.")+` FROM likes l
		JOIN feeds f ON f.id = l.feed_id
		WHERE l.user_id = ? AND f.is_public
		ORDER BY l.created_at DESC, l.feed_id DESC LIMIT ? OFFSET ?`, userID, limit, offset)
	return scanFeeds(rows, err)
}
