package store

import (
	"context"
	"fmt"
	"strings"
)

// FeedRow is a post with everything its API shape shows — author, image
// file, media task and the task's thumbnail or cover — read in ONE query
// (a page of posts joined to profiles, files and media_tasks), so a page
// costs one round trip whatever its size.
type FeedRow struct {
	Feed
	Owner FeedRowOwner
	// Image is the post's image file (image posts) when its row still
	// exists; the public copy (Feed.PublicKey) outlives it.
	Image *File
	// Task is the media task of a video or audio post when its row exists.
	Task *MediaTask
	// TaskThumbKey is the stored key of the task's thumbnail (video) or
	// cover (audio): the file's thumbnail derivative, else its original.
	TaskThumbKey string
	// Liked reports whether the viewer the rows were read for likes the
	// post (false for anonymous viewers).
	Liked bool
}

// FeedRowOwner is the author as a post shows it. Found is false when the
// profile row is gone (defensive: profiles outlive posts).
type FeedRowOwner struct {
	Nickname  string
	Plan      string
	AvatarKey string // avatar thumbnail (or original) key; "" = none
	Found     bool
}

// feedRowSelect reads a page produced by an inner query (aliased f, with a
// sort key column k) and joins what the API shows. The inner query keeps
// its LIMIT, so both engines still walk the partial index for at most a
// page and then look each join up by primary key; the outer ORDER BY sorts
// only the page.
const feedRowSelect = `SELECT f.id, f.user_id, f.media_kind, COALESCE(f.image_id, ''), COALESCE(f.task_id, ''),
	COALESCE(f.origin_image_id, ''), COALESCE(f.thread_id, ''), COALESCE(f.message_id, ''),
	COALESCE(f.public_key, ''), f.prompt, f.flags, f.is_public, f.featured, f.liked_number, f.created_at, f.updated_at,
	p.nickname, p.plan, COALESCE(NULLIF(af.thumb_key, ''), af.storage_key),
	fi.id, fi.storage_key, fi.thumb_key, fi.blur_key, fi.blurhash, fi.width, fi.height, fi.prompt, fi.seed,
	fi.tool_call_id, fi.tool_name,
	t.id, t.status, t.provider, t.prompt, t.params, t.source_image_id, t.result_file_id, t.thumb_file_id,
	t.width, t.height, t.duration_ms, t.blurhash, t.error_message, t.created_at,
	COALESCE(NULLIF(tf.thumb_key, ''), tf.storage_key),
	@liked
	FROM (@inner) f
	LEFT JOIN profiles p ON p.id = f.user_id
	LEFT JOIN files af ON af.id = p.avatar_image_id
	LEFT JOIN files fi ON fi.id = f.image_id
	LEFT JOIN media_tasks t ON t.id = f.task_id
	LEFT JOIN files tf ON tf.id = t.thumb_file_id
	ORDER BY f.k DESC, f.id DESC`

// feedRowsQuery wraps inner (which selects feeds.* columns plus k) with
// the joins; a non-empty viewer adds one primary-key probe of likes per
// row and comes first in the arguments, as its placeholder does.
func feedRowsQuery(inner string, innerArgs []any, viewerID string) (string, []any) {
	liked, args := "FALSE", innerArgs
	if viewerID != "" {
		liked = "EXISTS (SELECT 1 FROM likes l WHERE l.feed_id = f.id AND l.user_id = ?)"
		args = append([]any{viewerID}, innerArgs...)
	}
	return feedRowSelectHead + liked + feedRowSelectFrom + inner + feedRowSelectTail, args
}

// feedRowSelect cut at its two holes, so a query is three concatenations
// rather than a replacer built per request.
var feedRowSelectHead, feedRowSelectFrom, feedRowSelectTail = func() (string, string, string) {
	head, rest, _ := strings.Cut(feedRowSelect, "@liked")
	from, tail, _ := strings.Cut(rest, "@inner")
	return head, from, tail
}()

// innerFeedColumns are the columns the inner page queries select.
const innerFeedColumns = `id, user_id, media_kind, image_id, task_id, origin_image_id, thread_id, message_id,
	public_key, prompt, flags, is_public, featured, liked_number, created_at, updated_at`

// PublicFeedRows pages public posts newest first, optionally of one media
// kind ("" = all), read for viewerID ("" = anonymous). With after set it is
// a keyset page (deep scrolling stays an index range scan); otherwise
// offset skips rows (?page=). Both are served by the partial indexes
// feeds_public / feeds_public_kind (see publicFeedsQuery).
func (s *Store) PublicFeedRows(ctx context.Context, mediaKind string, after *FeedCursor, offset, limit int, viewerID string) ([]FeedRow, error) {
	inner, args := publicFeedRowsInner(mediaKind, after, offset, limit)
	return s.feedRows(ctx, inner, args, viewerID)
}

// FeaturedFeedRows reads featured public posts, newest first.
func (s *Store) FeaturedFeedRows(ctx context.Context, limit int, viewerID string) ([]FeedRow, error) {
	return s.feedRows(ctx, featuredInner, []any{limit}, viewerID)
}

const featuredInner = "SELECT " + innerFeedColumns + `, created_at AS k FROM feeds
	WHERE featured AND is_public ORDER BY created_at DESC, id DESC LIMIT ?`

const byIDInner = "SELECT " + innerFeedColumns + ", created_at AS k FROM feeds WHERE id = ?"

// UserFeedRows pages a user's posts newest first: public ones only, or
// hidden ones too when the owner is looking (includeHidden).
func (s *Store) UserFeedRows(ctx context.Context, userID string, includeHidden bool, offset, limit int, viewerID string) ([]FeedRow, error) {
	q := "SELECT " + innerFeedColumns + ", created_at AS k FROM feeds WHERE user_id = ?"
	if !includeHidden {
		q += " AND is_public"
	}
	q += " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
	return s.feedRows(ctx, q, []any{userID, limit, offset}, viewerID)
}

// LikedFeedRows pages the public posts userID liked, newest like first
// (the sort key is the like's time).
func (s *Store) LikedFeedRows(ctx context.Context, userID string, offset, limit int, viewerID string) ([]FeedRow, error) {
	return s.feedRows(ctx, likedInner, []any{userID, limit, offset}, viewerID)
}

// likedInner is the liked-posts page: the like's time is the sort key.
const likedInner = `SELECT f.id, f.user_id, f.media_kind, f.image_id, f.task_id, f.origin_image_id, f.thread_id,
	f.message_id, f.public_key, f.prompt, f.flags, f.is_public, f.featured, f.liked_number, f.created_at,
	f.updated_at, l.created_at AS k FROM likes l JOIN feeds f ON f.id = l.feed_id
	WHERE l.user_id = ? AND f.is_public ORDER BY l.created_at DESC, l.feed_id DESC LIMIT ? OFFSET ?`

// FeedRowByID reads one post with its joins, whatever its flags (callers
// decide visibility).
func (s *Store) FeedRowByID(ctx context.Context, id, viewerID string) (FeedRow, error) {
	rows, err := s.feedRows(ctx, byIDInner, []any{id}, viewerID)
	if err != nil {
		return FeedRow{}, err
	}
	if len(rows) == 0 {
		return FeedRow{}, ErrNotFound
	}
	return rows[0], nil
}

func (s *Store) feedRows(ctx context.Context, inner string, innerArgs []any, viewerID string) ([]FeedRow, error) {
	q, args := feedRowsQuery(inner, innerArgs, viewerID)
	rows, err := s.reader().query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("feed rows: %w", mapErr(err))
	}
	defer rows.Close()
	out := make([]FeedRow, 0, 21)
	var sc feedRowScan
	for rows.Next() {
		r, err := sc.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PublicFeedRowsSQL, FeaturedFeedRowsSQL and FeedRowByIDSQL are the text
// (with the store's `?` placeholders, which Postgres takes as $1…$n) and
// arguments of the queries PublicFeedRows, FeaturedFeedRows and
// FeedRowByID send, for tools that measure the database alone (the
// side-by-side benchmark's raw loop) or print plans.
func PublicFeedRowsSQL(mediaKind string, after *FeedCursor, offset, limit int, viewerID string) (string, []any) {
	inner, args := publicFeedRowsInner(mediaKind, after, offset, limit)
	q, args := feedRowsQuery(inner, args, viewerID)
	return q, args
}

// FeaturedFeedRowsSQL: see PublicFeedRowsSQL.
func FeaturedFeedRowsSQL(limit int, viewerID string) (string, []any) {
	q, args := feedRowsQuery(featuredInner, []any{limit}, viewerID)
	return q, args
}

// FeedRowByIDSQL: see PublicFeedRowsSQL.
func FeedRowByIDSQL(id, viewerID string) (string, []any) {
	q, args := feedRowsQuery(byIDInner, []any{id}, viewerID)
	return q, args
}

// publicFeedRowsInner is the public page query selecting what
// feedRowSelect expects (its sort key k is created_at).
func publicFeedRowsInner(mediaKind string, after *FeedCursor, offset, limit int) (string, []any) {
	return publicFeedsQuery(innerFeedColumns+", created_at AS k", mediaKind, after, offset, limit)
}
