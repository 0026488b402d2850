package store

import (
	"context"
	"fmt"
)

// Embedding is one post's vector. Space names the vector space (embedding
// model and media kind; stored in the model column): only vectors of one
// space are ever compared. Vector is opaque here (little-endian float32s,
// see package embed).
type Embedding struct {
	FeedID string
	UserID string
	Space  string
	Dims   int
	Vector []byte
	Public bool
}

// UpsertEmbedding stores or replaces a post's vector.
func (s *Store) UpsertEmbedding(ctx context.Context, e Embedding) error {
	return s.inTx(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO embeddings (feed_id, user_id, model, dims, vector, is_public, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (feed_id) DO UPDATE SET user_id = excluded.user_id, model = excluded.model,
				dims = excluded.dims, vector = excluded.vector, is_public = excluded.is_public`,
			e.FeedID, e.UserID, e.Space, e.Dims, e.Vector, e.Public, micros(now()))
		if err != nil {
			return fmt.Errorf("upsert embedding: %w", mapErr(err))
		}
		return nil
	})
}

// DeleteEmbedding removes a post's vector; a missing one is not an error.
func (s *Store) DeleteEmbedding(ctx context.Context, feedID string) error {
	return s.inTx(ctx, func(c conn) error {
		_, err := c.exec(ctx, "DELETE FROM embeddings WHERE feed_id = ?", feedID)
		return mapErr(err)
	})
}

// ScanEmbeddings calls fn for every vector of a space that userID may be
// compared against: the user's own posts (hidden ones included) and public
// posts. It streams rows so memory stays flat however many there are; fn
// returning an error stops the scan with that error.
func (s *Store) ScanEmbeddings(ctx context.Context, space, userID string, fn func(e Embedding) error) error {
	rows, err := s.reader().query(ctx, `SELECT feed_id, user_id, dims, vector, is_public FROM embeddings
		WHERE model = ? AND (is_public OR user_id = ?)`, space, userID)
	if err != nil {
		return fmt.Errorf("scan embeddings: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		e := Embedding{Space: space}
		if err := rows.Scan(&e.FeedID, &e.UserID, &e.Dims, &e.Vector, &e.Public); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}
