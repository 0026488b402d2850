package store

import (
	"context"
	"errors"
)

// PublicPostCopy is the public copy (feeds.public_key) of the newest
// public post made from image imageID (an image post) or from media task
// taskID (a video or audio post); pass "" for the id not asked. found is
// false when no such post is public (none, or only hidden ones): the
// download route then treats the media as private.
func (s *Store) PublicPostCopy(ctx context.Context, imageID, taskID string) (key string, found bool, err error) {
	col, id := "image_id", imageID
	if imageID == "" {
		col, id = "task_id", taskID
	}
	if id == "" {
		return "", false, nil
	}
	// col is one of two constants above, never caller input.
	err = s.reader().row(ctx, `SELECT COALESCE(public_key, '') FROM feeds WHERE `+col+` = ? AND is_public
		ORDER BY created_at DESC, id DESC LIMIT 1`, id).Scan(&key)
	if err = mapErr(err); errors.Is(err, ErrNotFound) {
		return "", false, nil
	}
	return key, err == nil, err
}

// ClaimFileWatermarkKey records key as a file's watermarked copy unless
// one is recorded already, and returns the key in force: the first
// writer's. Concurrent first downloads may each make a copy, but the row
// names exactly one. ErrNotFound when the file row is gone (deleted
// meanwhile: the caller removes the copy it made).
func (s *Store) ClaimFileWatermarkKey(ctx context.Context, id, key string) (string, error) {
	var got string
	err := s.inTx(ctx, func(c conn) error {
		if _, err := c.exec(ctx, `UPDATE files SET watermark_key = ? WHERE id = ?
			AND (watermark_key IS NULL OR watermark_key = '')`, key, id); err != nil {
			return mapErr(err)
		}
		return mapErr(c.row(ctx, "SELECT COALESCE(watermark_key, '') FROM files WHERE id = ?", id).Scan(&got))
	})
	return got, err
}
