package store

import (
	"context"
	"errors"
	"fmt"
)

// Likes are the hottest write of the API, so each dialect gets the shortest
// path it allows: one statement (one round trip, on the native pgx pool
// rather than through database/sql) on Postgres, one short
// writer transaction on SQLite, whose single writer serialises it anyway.
// Both return the count read after the write, never before it: reading it
// first let a like that lost a race answer liked=true with likedNumber 0.

// likePostgres inserts the like only when the post is public, and moves the
// counter by the number of rows inserted (0 or 1) in the same statement.
//
// The UPDATE runs even when the like already existed (+0) on purpose. The
// sub-statements of one statement share its snapshot, so a plain SELECT of
// liked_number would miss a like of this user committed by a concurrent
// transaction after our snapshot was taken: ON CONFLICT waited for that
// transaction and saw its row, but a sibling read would not. An UPDATE in
// READ COMMITTED does not stop at the snapshot: finding the row changed by
// a committed transaction it re-reads the newest version, so the count it
// returns includes every committed like, this user's included. The cost is
// one HOT row version on a repeated like; a new like writes it anyway.
//
// The UPDATE matches the post by the ids the snapshot found public rather
// than re-checking is_public, so a post hidden at the same moment still gets
// its counter moved with the like row it gained: counts never drift.
const likePostgres = `WITH post AS (
	SELECT id FROM feeds WHERE id = $1 AND is_public
), ins AS (
	INSERT INTO likes (feed_id, user_id, created_at) SELECT id, $2::text, $3::bigint FROM post
	ON CONFLICT (feed_id, user_id) DO NOTHING
	RETURNING feed_id
)
UPDATE feeds SET liked_number = liked_number + (SELECT COUNT(*) FROM ins)
WHERE id IN (SELECT id FROM post)
RETURNING liked_number`

// unlikePostgres is the mirror image; it needs no visibility check (hidden
// posts can be unliked) and never takes the counter below zero. The +0
// UPDATE on a no-op unlike returns the newest committed count, as above.
const unlikePostgres = `WITH del AS (
	DELETE FROM likes WHERE feed_id = $1 AND user_id = $2 RETURNING feed_id
)
UPDATE feeds SET liked_number = GREATEST(liked_number - (SELECT COUNT(*) FROM del), 0)
WHERE id = $1
RETURNING liked_number`

// LikeFeed records userID's like of a public post and returns the post's
// like count after the like. It is idempotent: the like row is inserted
// with ON CONFLICT DO NOTHING and the counter moves only when a row was
// actually inserted, atomically with it, so concurrent likes and unlikes
// never drift. A missing or hidden post is ErrNotFound and writes nothing.
func (s *Store) LikeFeed(ctx context.Context, feedID, userID string) (int, error) {
	var count int
	if s.dialect == Postgres {
		err := s.pg.QueryRow(ctx, likePostgres, feedID, userID, micros(now())).Scan(&count)
		return count, likeErr(err)
	}
	err := s.inTx(ctx, func(c conn) error {
		res, err := c.exec(ctx, `INSERT INTO likes (feed_id, user_id, created_at)
			SELECT id, ?, ? FROM feeds WHERE id = ? AND is_public
			ON CONFLICT (feed_id, user_id) DO NOTHING`, userID, micros(now()), feedID)
		if err != nil {
			return likeErr(err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return mapErr(c.row(ctx, "UPDATE feeds SET liked_number = liked_number + 1 WHERE id = ? RETURNING liked_number",
				feedID).Scan(&count))
		}
		// Nothing inserted: the like existed or the post is not public.
		// The single writer means no like can land between the two.
		return mapErr(c.row(ctx, "SELECT liked_number FROM feeds WHERE id = ? AND is_public", feedID).Scan(&count))
	})
	return count, err
}

// likeErr maps a like's errors: a foreign-key conflict means the post was
// deleted while we liked it, which the caller sees as not found.
func likeErr(err error) error {
	if err = mapErr(err); errors.Is(err, ErrConflict) {
		return ErrNotFound
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("like: %w", err)
	}
	return err
}

// UnlikeFeed removes userID's like (idempotent) and returns the post's like
// count after it; the counter moves only when a like row was deleted and
// never below zero. It works on hidden posts too, so a like given before a
// post was hidden can be taken back. A missing post is ErrNotFound.
func (s *Store) UnlikeFeed(ctx context.Context, feedID, userID string) (int, error) {
	var count int
	if s.dialect == Postgres {
		err := s.pg.QueryRow(ctx, unlikePostgres, feedID, userID).Scan(&count)
		return count, unlikeErr(err)
	}
	err := s.inTx(ctx, func(c conn) error {
		res, err := c.exec(ctx, "DELETE FROM likes WHERE feed_id = ? AND user_id = ?", feedID, userID)
		if err != nil {
			return unlikeErr(err)
		}
		q := "SELECT liked_number FROM feeds WHERE id = ?"
		if n, _ := res.RowsAffected(); n == 1 {
			q = "UPDATE feeds SET liked_number = MAX(liked_number - 1, 0) WHERE id = ? RETURNING liked_number"
		}
		return unlikeErr(c.row(ctx, q, feedID).Scan(&count))
	})
	return count, err
}

func unlikeErr(err error) error {
	if err = mapErr(err); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("unlike: %w", err)
	}
	return err
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
