package store

import (
	"context"
	"time"
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
}

const taskColumns = `id, user_id, COALESCE(thread_id, ''), COALESCE(version_id, ''), COALESCE(message_id, ''),
	kind, status, provider, prompt, params, COALESCE(source_image_id, ''), COALESCE(result_file_id, ''),
	COALESCE(thumb_file_id, ''), COALESCE(width, 0), COALESCE(height, 0), COALESCE(duration_ms, 0),
	COALESCE(blurhash, ''), COALESCE(error_message, ''), created_at, updated_at`

func scanTask(row interface{ Scan(...any) error }) (MediaTask, error) {
	var t MediaTask
	var params string
	var created, updated int64
	err := row.Scan(&t.ID, &t.UserID, &t.ThreadID, &t.VersionID, &t.MessageID, &t.Kind, &t.Status,
		&t.Provider, &t.Prompt, &params, &t.SourceImageID, &t.ResultFileID, &t.ThumbFileID, &t.Width,
		&t.Height, &t.DurationMS, &t.Blurhash, &t.ErrorMessage, &created, &updated)
	if err != nil {
		return MediaTask{}, mapErr(err)
	}
	t.Params = []byte(params)
	t.CreatedAt, t.UpdatedAt = fromMicros(created), fromMicros(updated)
	return t, nil
}

func insertTask(ctx context.Context, c conn, t MediaTask) error {
	if len(t.Params) == 0 {
		t.Params = []byte("{}")
	}
	_, err := c.exec(ctx, `INSERT INTO media_tasks (id, user_id, thread_id, version_id, message_id, kind,
		status, provider, prompt, params, source_image_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.UserID, nullString(t.ThreadID), nullString(t.VersionID), nullString(t.MessageID), t.Kind,
		t.Status, t.Provider, t.Prompt, string(t.Params), nullString(t.SourceImageID),
		micros(t.CreatedAt), micros(t.UpdatedAt))
	return mapErr(err)
}
