package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kira-art/kira/internal/jobs/jobargs"
)

// Thread is one conversation.
type Thread struct {
	ID           string
	UserID       string
	Title        string
	TitleSource  string // "provisional" until a model-written title replaces it, then "model" or "user"
	ThumbImageID string
	Flags        []string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// ThreadCursor is the keyset position of the last thread on a page.
type ThreadCursor struct {
	UpdatedAt time.Time
	ID        string
}

const threadColumns = `id, user_id, title, title_source, COALESCE(thumb_image_id, ''), flags, created_at, updated_at`

func scanThread(row interface{ Scan(...any) error }) (Thread, error) {
	var t Thread
	var flags string
	var created, updated int64
	if err := row.Scan(&t.ID, &t.UserID, &t.Title, &t.TitleSource, &t.ThumbImageID, &flags, &created, &updated); err != nil {
		return Thread{}, mapErr(err)
	}
	if err := json.Unmarshal([]byte(flags), &t.Flags); err != nil {
		return Thread{}, fmt.Errorf("thread %s flags: %w", t.ID, err)
	}
	t.CreatedAt, t.UpdatedAt = fromMicros(created), fromMicros(updated)
	return t, nil
}

// CreateThread inserts a thread and its first message in one transaction,
// with the job that replaces a provisional title by a model-written one and
// the one that moderates the first message.
// An id that already exists is ErrConflict.
func (s *Store) CreateThread(ctx context.Context, t Thread, first Message) (Thread, error) {
	ts := now()
	t.CreatedAt, t.UpdatedAt = ts, ts
	if t.TitleSource == "" {
		t.TitleSource = "provisional"
	}
	err := s.inTx(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO threads (id, user_id, title, title_source, flags, created_at, updated_at)
			VALUES (?, ?, ?, ?, '[]', ?, ?)`, t.ID, t.UserID, t.Title, t.TitleSource, micros(ts), micros(ts))
		if err != nil {
			return fmt.Errorf("insert thread: %w", mapErr(err))
		}
		first.ThreadID, first.UserID = t.ID, t.UserID
		if err := insertMessage(ctx, c, first, ts); err != nil {
			return err
		}
		// The first message is moderated in the background, so creating a
		// thread never waits on the moderation provider.
		if _, err := enqueue(ctx, c, jobargs.ModerateThread{ThreadID: t.ID}); err != nil {
			return err
		}
		if t.TitleSource != "provisional" {
			return nil
		}
		_, err = enqueue(ctx, c, jobargs.ThreadTitle{ThreadID: t.ID})
		return err
	})
	t.Flags = []string{}
	return t, err
}

// GetThread reads a thread owned by userID; another user's thread is
// ErrNotFound, so callers cannot probe for ids.
func (s *Store) GetThread(ctx context.Context, userID, id string) (Thread, error) {
	return scanThread(s.reader().row(ctx, "SELECT "+threadColumns+" FROM threads WHERE id = ? AND user_id = ?", id, userID))
}

// ListThreads pages a user's threads, newest-updated first, after the cursor.
func (s *Store) ListThreads(ctx context.Context, userID string, after *ThreadCursor, limit int) ([]Thread, error) {
	q := "SELECT " + threadColumns + " FROM threads WHERE user_id = ?"
	args := []any{userID}
	if after != nil {
		q += " AND (updated_at < ? OR (updated_at = ? AND id < ?))"
		args = append(args, micros(after.UpdatedAt), micros(after.UpdatedAt), after.ID)
	}
	q += " ORDER BY updated_at DESC, id DESC LIMIT ?"
	rows, err := s.reader().query(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list threads: %w", err)
	}
	defer rows.Close()
	var out []Thread
	for rows.Next() {
		t, err := scanThread(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RenameThread sets a user-chosen title; a model title never overwrites it.
func (s *Store) RenameThread(ctx context.Context, userID, id, title string) (Thread, error) {
	var t Thread
	err := s.inTx(ctx, func(c conn) error {
		res, err := c.exec(ctx, `UPDATE threads SET title = ?, title_source = 'user', updated_at = ?
			WHERE id = ? AND user_id = ?`, title, micros(now()), id, userID)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		t, err = scanThread(c.row(ctx, "SELECT "+threadColumns+" FROM threads WHERE id = ?", id))
		return err
	})
	return t, err
}

// SetModelTitle replaces a provisional title; it leaves user titles alone
// and reports whether it changed anything.
func (s *Store) SetModelTitle(ctx context.Context, id, title string) (bool, error) {
	var changed bool
	err := s.inTx(ctx, func(c conn) error {
		res, err := c.exec(ctx, `UPDATE threads SET title = ?, title_source = 'model'
			WHERE id = ? AND title_source = 'provisional'`, title, id)
		if err != nil {
			return mapErr(err)
		}
		n, _ := res.RowsAffected()
		changed = n > 0
		return nil
	})
	return changed, err
}

// DeletedThread is what the background clean-up of a deleted thread needs.
type DeletedThread struct {
	CancelledTaskIDs []string
	ImageIDs         []string
}

// DeleteThread removes a thread with its messages and versions (cascade)
// in one transaction. Its unfinished media tasks are marked cancelled and
// the deletion of its images is queued (a DeleteFiles job) in the same
// transaction.
func (s *Store) DeleteThread(ctx context.Context, userID, id string) (DeletedThread, error) {
	var out DeletedThread
	err := s.inTx(ctx, func(c conn) error {
		if _, err := scanThread(c.row(ctx, "SELECT "+threadColumns+" FROM threads WHERE id = ? AND user_id = ?", id, userID)); err != nil {
			return err
		}
		var err error
		out.CancelledTaskIDs, err = queryStrings(ctx, c, `SELECT id FROM media_tasks
			WHERE thread_id = ? AND status IN ('pending', 'processing')`, id)
		if err != nil {
			return err
		}
		out.ImageIDs, err = queryStrings(ctx, c, `SELECT vi.image_id FROM version_images vi
			JOIN versions v ON v.id = vi.version_id WHERE v.thread_id = ?`, id)
		if err != nil {
			return err
		}
		if _, err := c.exec(ctx, `UPDATE media_tasks SET status = 'cancelled', updated_at = ?
			WHERE thread_id = ? AND status IN ('pending', 'processing')`, micros(now()), id); err != nil {
			return mapErr(err)
		}
		if _, err := c.exec(ctx, "DELETE FROM threads WHERE id = ?", id); err != nil {
			return mapErr(err)
		}
		return enqueueCleanup(ctx, c, out)
	})
	return out, err
}

// enqueueCleanup queues the deletion of the files a removed thread or
// turn leaves behind, in the transaction that removed them. Running jobs
// of its cancelled tasks notice the status themselves (internal/jobs).
func enqueueCleanup(ctx context.Context, c conn, d DeletedThread) error {
	if len(d.ImageIDs) == 0 {
		return nil
	}
	_, err := enqueue(ctx, c, jobargs.DeleteFiles{FileIDs: d.ImageIDs})
	return err
}

func queryStrings(ctx context.Context, c conn, q string, args ...any) ([]string, error) {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
