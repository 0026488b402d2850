package store

import (
	"context"
	"database/sql"
	"fmt"
)

// TaskProviderUpload is the provider of placeholder tasks: a task that
// stands for media the user uploaded (POST /video/initialize), so it can
// be the source of an edit or extension like a generated one.
const TaskProviderUpload = "upload"

// CreateJoblessTask inserts a task that has no River job: one created in a
// status no worker acts on (a placeholder for an upload, completed from the
// start). Pending and processing tasks must have a job (insertTask, via
// SaveVersion) and are refused. CreatedAt and UpdatedAt are now; a completed
// task is finished now too. It returns the task as stored, with the storage
// keys of its result and thumbnail.
func (s *Store) CreateJoblessTask(ctx context.Context, t MediaTask) (MediaTask, error) {
	if !TaskTerminal(t.Status) {
		return MediaTask{}, fmt.Errorf("create task %s: status %q needs a job", t.ID, t.Status)
	}
	if len(t.Params) == 0 {
		t.Params = []byte("{}")
	}
	ts := now()
	var out MediaTask
	err := s.inTx(ctx, func(c conn) error {
		// The columns of insertTask, plus the result ones CompleteTask writes.
		_, err := c.exec(ctx, `INSERT INTO media_tasks (id, user_id, thread_id, version_id, message_id, kind,
			status, provider, prompt, params, source_image_id, result_file_id, thumb_file_id, width, height,
			duration_ms, blurhash, error_message, created_at, updated_at, finished_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.UserID, nullString(t.ThreadID), nullString(t.VersionID), nullString(t.MessageID), t.Kind,
			t.Status, t.Provider, t.Prompt, string(t.Params), nullString(t.SourceImageID),
			nullString(t.ResultFileID), nullString(t.ThumbFileID), nullInt(t.Width), nullInt(t.Height),
			sql.NullInt64{Int64: t.DurationMS, Valid: t.DurationMS != 0}, nullString(t.Blurhash), nullString(t.ErrorMessage),
			micros(ts), micros(ts), micros(ts))
		if err != nil {
			return mapErr(err)
		}
		out, err = scanTask(c.row(ctx, "SELECT "+taskColumns+" FROM media_tasks WHERE id = ?", t.ID))
		return err
	})
	return out, err
}

// DetachTaskUpload clears the media of userID's placeholder task of kind
// (provider upload) once its files are deleted: no result, thumbnail, size
// or blurhash any more, and status cancelled, so it is neither shown as a
// finished video nor published. The row stays: posts and messages may
// still name the task. ErrNotFound for another user's task, another kind
// or a task that is not a placeholder.
func (s *Store) DetachTaskUpload(ctx context.Context, userID, kind, id string) (MediaTask, error) {
	var t MediaTask
	err := s.inTx(ctx, func(c conn) error {
		ts := micros(now())
		res, err := c.exec(ctx, `UPDATE media_tasks SET status = 'cancelled', result_file_id = NULL, thumb_file_id = NULL,
			width = NULL, height = NULL, duration_ms = NULL, blurhash = NULL, updated_at = ?, finished_at = COALESCE(finished_at, ?)
			WHERE id = ? AND user_id = ? AND kind = ? AND provider = ?`, ts, ts, id, userID, kind, TaskProviderUpload)
		if err != nil {
			return mapErr(err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return fmt.Errorf("detach upload of task %s: %w", id, ErrNotFound)
		}
		t, err = scanTask(c.row(ctx, "SELECT "+taskColumns+" FROM media_tasks WHERE id = ?", id))
		return err
	})
	return t, err
}
