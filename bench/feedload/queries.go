package main

import (
	"time"

	"github.com/kira-art/kira/internal/store"
)

// ============================================================================
// The raw side of every route: the SQL the server runs for one request.
//
// UPDATE THIS FILE when the store changes what a route sends. Each entry is
// the statements of one request, in order, copied from internal/store (the
// `?` placeholders are kept as written there and rebound to $1…$n). Write
// `?*` where the store writes `IN (`+placeholders(len(ids))+`)`: it expands
// to one placeholder per element of the matching []string argument.
//
// Args builds a statement's arguments for one request from the fixtures,
// the request's (user, post) pair and the rows of the statements before it
// (Col, One, Affected), so a sequence chains ids exactly as the store does.
// Args returning nil, or an empty list for a `?*`, skips the statement, as
// the store skips a query with nothing to look up.
// ============================================================================

// Column lists copied from internal/store (feeds.go, files.go, tasks.go,
// threads.go, messages.go, profiles.go).
const (
	feedCols = `id, user_id, media_kind, COALESCE(image_id, ''),
	COALESCE(task_id, ''), COALESCE(origin_image_id, ''), COALESCE(thread_id, ''),
	COALESCE(message_id, ''), COALESCE(public_key, ''), prompt, flags, is_public, featured,
	liked_number, created_at, updated_at`
	fileCols = `id, user_id, kind, origin, content_type, size_bytes, storage_key,
	COALESCE(width, 0), COALESCE(height, 0), COALESCE(blurhash, ''), COALESCE(thumb_key, ''),
	COALESCE(blur_key, ''), COALESCE(watermark_key, ''), COALESCE(public_key, ''), COALESCE(prompt, ''),
	seed, COALESCE(tool_call_id, ''), COALESCE(tool_name, ''), created_at`
	taskCols = `id, user_id, COALESCE(thread_id, ''), COALESCE(version_id, ''), COALESCE(message_id, ''),
	kind, status, provider, prompt, params, COALESCE(source_image_id, ''), COALESCE(result_file_id, ''),
	COALESCE(thumb_file_id, ''), COALESCE(width, 0), COALESCE(height, 0), COALESCE(duration_ms, 0),
	COALESCE(blurhash, ''), COALESCE(error_message, ''), created_at, updated_at`
	threadCols  = `id, user_id, title, title_source, COALESCE(thumb_image_id, ''), flags, created_at, updated_at`
	messageCols = "thread_id, id, user_id, role, body, format, created_at, updated_at"
	profileCols = `id, COALESCE(email, ''), nickname, COALESCE(avatar_image_id, ''), plan, credit,
	addon_credits, language, watermark, is_open_notification, last_credit_issued_at, banned,
	COALESCE(referral_code, ''), created_at, updated_at`
)

// Column positions used to chain statements.
const (
	feedID, feedUser, feedImage, feedTask = 0, 1, 3, 4
	taskResult, taskThumb                 = 11, 12
	ownerAvatar                           = 2 // in the FeedOwners query
	threadID, threadThumb                 = 0, 4
	profileAvatar                         = 3
)

// feedsPerPage mirrors the handlers: a page shows 20 posts and asks for one
// more to know hasMore; timelines show 5 threads.
const (
	feedsPerPage     = 20
	featuredMax      = 50
	threadsPerPage   = 20
	timelinesPerPage = 5
)

// rawSequences maps a route name (see routes.go) to its statements.
func rawSequences() map[string]Seq {
	// The feed routes run one joined query (store.FeedRow), whose text the
	// store exports so this loop sends exactly what the server sends.
	return map[string]Seq{
		"feed": {Query: func(r *Req) (string, []any) {
			return store.PublicFeedRowsSQL("", nil, 0, feedsPerPage+1, "")
		}},
		"feed-signed": {Query: func(r *Req) (string, []any) {
			return store.PublicFeedRowsSQL("", nil, 0, feedsPerPage+1, r.Fx.User)
		}},
		"feed-deep": {Query: func(r *Req) (string, []any) {
			c := &store.FeedCursor{CreatedAt: time.UnixMicro(r.Fx.Deep.Micros).UTC(), ID: r.Fx.Deep.ID}
			return store.PublicFeedRowsSQL("", c, 0, feedsPerPage+1, "")
		}},
		"featured": {Query: func(r *Req) (string, []any) { return store.FeaturedFeedRowsSQL(featuredMax, "") }},
		"feed-id":  {Query: func(r *Req) (string, []any) { return store.FeedRowByIDSQL(r.Fx.FeedID, "") }},
		// store.LikeFeed on Postgres: one data-modifying statement
		// (likePostgres in internal/store/likes.go).
		"like": {Stmts: []Stmt{{`WITH post AS (
	SELECT id FROM feeds WHERE id = ? AND is_public
), ins AS (
	INSERT INTO likes (feed_id, user_id, created_at) SELECT id, ?::text, ?::bigint FROM post
	ON CONFLICT (feed_id, user_id) DO NOTHING
	RETURNING feed_id
)
UPDATE feeds SET liked_number = liked_number + (SELECT COUNT(*) FROM ins)
WHERE id IN (SELECT id FROM post)
RETURNING liked_number`, func(r *Req) []any { return []any{r.Pair.Feed, r.Pair.User, nowMicros()} }}}},
		// store.UnlikeFeed on Postgres (unlikePostgres).
		"unlike": {Stmts: []Stmt{{`WITH del AS (
	DELETE FROM likes WHERE feed_id = ? AND user_id = ? RETURNING feed_id
)
UPDATE feeds SET liked_number = GREATEST(liked_number - (SELECT COUNT(*) FROM del), 0)
WHERE id = ?
RETURNING liked_number`, func(r *Req) []any { return []any{r.Pair.Feed, r.Pair.User, r.Pair.Feed} }}}},
		// store.GetProfile, then store.GetFile of the avatar when there is one.
		"profile": {Stmts: []Stmt{
			{"SELECT " + profileCols + " FROM profiles WHERE id = ?", func(r *Req) []any { return []any{r.Fx.User} }},
			{"SELECT " + fileCols + " FROM files WHERE id = ?", func(r *Req) []any { return orNil(r.One(0, profileAvatar)) }},
		}},
		// store.ListThreads, then GetFiles of the page's thumbnails.
		"threads": {Stmts: []Stmt{
			{"SELECT " + threadCols + " FROM threads WHERE user_id = ? ORDER BY updated_at DESC, id DESC LIMIT ?",
				func(r *Req) []any { return []any{r.Fx.User, threadsPerPage + 1} }},
			{"SELECT " + fileCols + " FROM files WHERE id IN (?*)",
				func(r *Req) []any { return []any{nonEmpty(r.Col(0, threadThumb, threadsPerPage))} }},
		}},
		// store.GetThread (ownership), then store.ListMessages.
		"messages": {Stmts: []Stmt{
			{"SELECT " + threadCols + " FROM threads WHERE id = ? AND user_id = ?",
				func(r *Req) []any { return []any{r.Fx.Thread, r.Fx.User} }},
			{"SELECT " + messageCols + " FROM messages WHERE thread_id = ? ORDER BY created_at, id",
				func(r *Req) []any { return []any{r.Fx.Thread} }},
		}},
		"timelines": {Stmts: timelines()},
		"health":    {Stmts: []Stmt{{"SELECT 1", fixed()}}},
	}
}

// timelines is store.ListTimelines, first page: threads, then versions with
// their images, completed tasks and files, all by the page's thread ids
// (the files query names them three times).
func timelines() []Stmt {
	ids := func(r *Req) []string { return r.Col(0, threadID, timelinesPerPage) }
	tasks := `FROM media_tasks WHERE thread_id IN (?*) AND version_id IS NOT NULL AND status = 'completed'`
	return []Stmt{
		{"SELECT " + threadCols + " FROM threads WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
			func(r *Req) []any { return []any{r.Fx.User, timelinesPerPage + 1} }},
		{`SELECT v.id, v.thread_id, v.created_at, vi.image_id, vi.data
		FROM versions v LEFT JOIN version_images vi ON vi.version_id = v.id
		WHERE v.thread_id IN (?*)
		ORDER BY v.created_at DESC, v.id DESC, vi.position`, func(r *Req) []any { return []any{ids(r)} }},
		{"SELECT " + taskCols + ` FROM media_tasks
		WHERE thread_id IN (?*) AND version_id IS NOT NULL
		AND status = 'completed' AND result_file_id IS NOT NULL
		ORDER BY created_at, id`, ifRows(1, func(r *Req) []any { return []any{ids(r)} })},
		{"SELECT " + fileCols + ` FROM files WHERE id IN (
		SELECT vi.image_id FROM version_images vi JOIN versions v ON v.id = vi.version_id
			WHERE v.thread_id IN (?*)
		UNION ALL SELECT result_file_id ` + tasks + `
		UNION ALL SELECT thumb_file_id ` + tasks + `)`,
			ifRows(1, func(r *Req) []any { return []any{ids(r), ids(r), ids(r)} })},
	}
}
