package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Feed media kinds (feeds.media_kind, never NULL so it can lead an index).
const (
	MediaImage = "image"
	MediaVideo = "video"
	MediaAudio = "audio"
)

// Feed flags (API.md §2): a post is public iff it has none.
const (
	FlagBan       = "ban"
	FlagDuplicate = "duplicate"
	FlagNSFW      = "nsfw"
)

// Feed is a published post.
type Feed struct {
	ID            string
	UserID        string
	MediaKind     string // image, video, audio
	ImageID       string // the image file (image posts)
	TaskID        string // the media task (video and audio posts)
	OriginImageID string
	ThreadID      string // the thread behind the post, when known (rewind)
	MessageID     string // the message that produced it, when known
	PublicKey     string // blob key of the public copy of the main file
	Prompt        string
	Flags         []string
	Public        bool // stored as is_public: len(Flags) == 0
	Featured      bool
	LikedNumber   int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// FeedCursor is the keyset position of the last post of a page.
type FeedCursor struct {
	CreatedAt time.Time
	ID        string
}

// plainFeedColumns are a feed row's columns as scanFeed reads them.
const plainFeedColumns = `id, user_id, media_kind, COALESCE(image_id, ''), COALESCE(task_id, ''),
	COALESCE(origin_image_id, ''), COALESCE(thread_id, ''), COALESCE(message_id, ''),
	COALESCE(public_key, ''), prompt, flags, is_public, featured, liked_number, created_at, updated_at`

func scanFeed(row interface{ Scan(...any) error }) (Feed, error) {
	var f Feed
	var flags string
	var created, updated int64
	err := row.Scan(&f.ID, &f.UserID, &f.MediaKind, &f.ImageID, &f.TaskID, &f.OriginImageID, &f.ThreadID,
		&f.MessageID, &f.PublicKey, &f.Prompt, &flags, &f.Public, &f.Featured, &f.LikedNumber, &created, &updated)
	if err != nil {
		return Feed{}, mapErr(err)
	}
	if f.Flags, err = parseFlags(flags); err != nil {
		return Feed{}, fmt.Errorf("feed %s flags: %w", f.ID, err)
	}
	f.CreatedAt, f.UpdatedAt = fromMicros(created), fromMicros(updated)
	return f, nil
}

// CreateFeed inserts a post; ID, UserID, MediaKind and the media ids come
// from the caller, timestamps and is_public (no flags) are set here. When
// publicFileID is set, that file's registry row records the public copy
// (files.public_key) in the same transaction.
func (s *Store) CreateFeed(ctx context.Context, f Feed, publicFileID string) (Feed, error) {
	ts := now()
	f.CreatedAt, f.UpdatedAt = ts, ts
	if f.Flags == nil {
		f.Flags = []string{}
	}
	f.Public = len(f.Flags) == 0
	flags, err := json.Marshal(f.Flags)
	if err != nil {
		return Feed{}, err
	}
	err = s.inTx(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO feeds (id, user_id, media_kind, image_id, task_id, origin_image_id,
			thread_id, message_id, public_key, prompt, flags, is_public, featured, liked_number, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
			f.ID, f.UserID, f.MediaKind, nullString(f.ImageID), nullString(f.TaskID), nullString(f.OriginImageID),
			nullString(f.ThreadID), nullString(f.MessageID), nullString(f.PublicKey), f.Prompt, string(flags),
			f.Public, f.Featured, micros(ts), micros(ts))
		if err != nil {
			return fmt.Errorf("insert feed: %w", mapErr(err))
		}
		if publicFileID == "" || f.PublicKey == "" {
			return nil
		}
		_, err = c.exec(ctx, "UPDATE files SET public_key = ? WHERE id = ?", f.PublicKey, publicFileID)
		return mapErr(err)
	})
	return f, err
}

// GetFeed reads one post, whatever its flags (callers decide visibility).
func (s *Store) GetFeed(ctx context.Context, id string) (Feed, error) {
	return scanFeed(s.reader().row(ctx, "SELECT "+plainFeedColumns+" FROM feeds WHERE id = ?", id))
}

// publicFeedsQuery is the public page query selecting columns. Its WHERE
// clause repeats the partial indexes' predicate `is_public` verbatim, so
// both engines walk feeds_public / feeds_public_kind for at most a page.
func publicFeedsQuery(columns, mediaKind string, after *FeedCursor, offset, limit int) (string, []any) {
	q := "SELECT " + columns + " FROM feeds WHERE is_public"
	var args []any
	if mediaKind != "" {
		q += " AND media_kind = ?"
		args = append(args, mediaKind)
	}
	if after != nil {
		// A row-value comparison, not an OR of two conditions: both engines
		// turn it into one index range bound.
		q += " AND (created_at, id) < (?, ?)"
		args = append(args, micros(after.CreatedAt), after.ID)
		offset = 0
	}
	q += " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
	return q, append(args, limit, offset)
}

// SetFeedFeatured marks or unmarks a post as featured (an editorial
// decision; nothing in the public API sets it).
func (s *Store) SetFeedFeatured(ctx context.Context, id string, featured bool) error {
	return s.inTx(ctx, func(c conn) error {
		res, err := c.exec(ctx, "UPDATE feeds SET featured = ?, updated_at = ? WHERE id = ?", featured, micros(now()), id)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// DeleteFeed removes a user's post with its likes and embedding in one
// transaction (the foreign keys cascade too; deleting explicitly keeps the
// behaviour independent of cascade settings) and forgets the public copy
// on the source file. It returns the deleted row so the caller can delete
// the public blob after commit; another user's post is ErrNotFound.
func (s *Store) DeleteFeed(ctx context.Context, userID, id string) (Feed, error) {
	var f Feed
	err := s.inTx(ctx, func(c conn) error {
		var err error
		f, err = scanFeed(c.row(ctx, "SELECT "+plainFeedColumns+" FROM feeds WHERE id = ? AND user_id = ?", id, userID))
		if err != nil {
			return err
		}
		for _, q := range []string{"DELETE FROM likes WHERE feed_id = ?", "DELETE FROM embeddings WHERE feed_id = ?",
			"DELETE FROM feeds WHERE id = ?"} {
			if _, err := c.exec(ctx, q, id); err != nil {
				return fmt.Errorf("delete feed: %w", mapErr(err))
			}
		}
		if f.PublicKey == "" {
			return nil
		}
		_, err = c.exec(ctx, `UPDATE files SET public_key = NULL WHERE public_key = ?
			AND id IN (?, (SELECT result_file_id FROM media_tasks WHERE id = ?))`, f.PublicKey, f.ImageID, f.TaskID)
		return mapErr(err)
	})
	return f, err
}

// FeedSourceTask reads the media task a video or audio post is made from
// (callers check owner, kind and status).
func (s *Store) FeedSourceTask(ctx context.Context, taskID string) (MediaTask, error) {
	return scanTask(s.reader().row(ctx, "SELECT "+taskColumns+" FROM media_tasks WHERE id = ?", taskID))
}

// ImageOrigin is the thread and message an image first appeared in (its
// earliest version); ErrNotFound when it is in no version.
func (s *Store) ImageOrigin(ctx context.Context, imageID string) (threadID, messageID string, err error) {
	err = s.reader().row(ctx, `SELECT v.thread_id, v.message_id FROM version_images vi
		JOIN versions v ON v.id = vi.version_id WHERE vi.image_id = ?
		ORDER BY v.created_at, v.id LIMIT 1`, imageID).Scan(&threadID, &messageID)
	return threadID, messageID, mapErr(err)
}

// RewindThread reads any user's thread by id, for the public rewind routes
// (which apply the nsfw rule themselves).
func (s *Store) RewindThread(ctx context.Context, id string) (Thread, error) {
	return scanThread(s.reader().row(ctx, "SELECT "+threadColumns+" FROM threads WHERE id = ?", id))
}

// ImageThread finds the thread behind an image — the thread of its earliest
// version, else the thread recorded on a post of it — and whether that
// thread has versions. ErrNotFound when there is none.
func (s *Store) ImageThread(ctx context.Context, imageID string) (Thread, bool, error) {
	threadID, _, err := s.ImageOrigin(ctx, imageID)
	if errors.Is(err, ErrNotFound) {
		err = mapErr(s.reader().row(ctx, `SELECT thread_id FROM feeds WHERE origin_image_id = ?
			AND thread_id IS NOT NULL ORDER BY created_at LIMIT 1`, imageID).Scan(&threadID))
	}
	if err != nil {
		return Thread{}, false, err
	}
	t, err := s.RewindThread(ctx, threadID)
	if err != nil {
		return Thread{}, false, err
	}
	var n int
	err = s.reader().row(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM versions WHERE thread_id = ? LIMIT 1) v", threadID).Scan(&n)
	return t, n > 0, mapErr(err)
}

// nonEmptyUnique drops empty and repeated ids, keeping order.
func nonEmptyUnique(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
