package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/kira-art/kira/internal/jobs/jobargs"
)

// MediaTask is a video or music generation task and its result.
type MediaTask struct {
	ID            string
	UserID        string
	ThreadID      string
	VersionID     string
	MessageID     string
	Kind          string // video, audio
	Status        string
	Provider      string
	Prompt        string
	Params        []byte // JSON: duration, ratio, lyrics, style, title, instrumental …
	SourceImageID string
	ResultFileID  string
	ThumbFileID   string
	Width         int
	Height        int
	DurationMS    int64
	Blurhash      string
	ErrorMessage  string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// ResultKey and ThumbKey are the storage keys of the result and
	// thumbnail (or cover) files, for signed URLs; empty until completed.
	ResultKey, ThumbKey string
}

const taskColumns = `id, user_id, COALESCE(thread_id, ''), COALESCE(version_id, ''), COALESCE(message_id, ''),
	kind, status, provider, prompt, params, COALESCE(source_image_id, ''), COALESCE(result_file_id, ''),
	COALESCE(thumb_file_id, ''), COALESCE(width, 0), COALESCE(height, 0), COALESCE(duration_ms, 0),
	COALESCE(blurhash, ''), COALESCE(error_message, ''), created_at, updated_at,
	COALESCE((SELECT f.storage_key FROM files f WHERE f.id = media_tasks.result_file_id), ''),
	COALESCE((SELECT f.storage_key FROM files f WHERE f.id = media_tasks.thumb_file_id), '')`

func scanTask(row interface{ Scan(...any) error }) (MediaTask, error) {
	var t MediaTask
	var params string
	var created, updated int64
	err := row.Scan(&t.ID, &t.UserID, &t.ThreadID, &t.VersionID, &t.MessageID, &t.Kind, &t.Status,
		&t.Provider, &t.Prompt, &params, &t.SourceImageID, &t.ResultFileID, &t.ThumbFileID, &t.Width,
		&t.Height, &t.DurationMS, &t.Blurhash, &t.ErrorMessage, &created, &updated, &t.ResultKey, &t.ThumbKey)
	if err != nil {
		return MediaTask{}, mapErr(err)
	}
	t.Params = []byte(params)
	t.CreatedAt, t.UpdatedAt = fromMicros(created), fromMicros(updated)
	return t, nil
}

// insertTask writes a new task and, for a pending one, the River job that
// runs it, in c's transaction: a task never exists without its job.
func insertTask(ctx context.Context, c conn, t MediaTask) error {
	if len(t.Params) == 0 {
		t.Params = []byte("{}")
	}
	var job sql.NullInt64
	if t.Status == TaskPending {
		ids, err := enqueue(ctx, c, jobargs.ForTask(t.Kind, t.ID))
		if err != nil {
			return err
		}
		job = sql.NullInt64{Int64: ids[0], Valid: true}
	}
	_, err := c.exec(ctx, `INSERT INTO media_tasks (id, user_id, thread_id, version_id, message_id, kind,
		status, provider, prompt, params, source_image_id, job_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.UserID, nullString(t.ThreadID), nullString(t.VersionID), nullString(t.MessageID), t.Kind,
		t.Status, t.Provider, t.Prompt, string(t.Params), nullString(t.SourceImageID), job,
		micros(t.CreatedAt), micros(t.UpdatedAt))
	return mapErr(err)
}
