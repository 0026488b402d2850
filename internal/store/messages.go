package store

import (
	"context"
	"fmt"
	"time"
)

// Message formats stored in messages.format.
const (
	FormatV5 = "v5"
	FormatV4 = "v4"
)

// Message is a stored chat message. Body is the UI message JSON exactly as
// it will be returned (for v4 rows: as the old client wrote it).
type Message struct {
	ThreadID  string
	ID        string
	UserID    string
	Role      string
	Body      []byte
	Format    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

const messageColumns = "thread_id, id, user_id, role, body, format, created_at, updated_at"

func scanMessages(rowsErr error, rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}) ([]Message, error) {
	if rowsErr != nil {
		return nil, fmt.Errorf("list messages: %w", rowsErr)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var body string
		var created, updated int64
		if err := rows.Scan(&m.ThreadID, &m.ID, &m.UserID, &m.Role, &body, &m.Format, &created, &updated); err != nil {
			return nil, err
		}
		m.Body = []byte(body)
		m.CreatedAt, m.UpdatedAt = fromMicros(created), fromMicros(updated)
		out = append(out, m)
	}
	return out, rows.Err()
}

// ListMessages returns a thread's messages oldest first.
func (s *Store) ListMessages(ctx context.Context, threadID string) ([]Message, error) {
	rows, err := s.reader().query(ctx, "SELECT "+messageColumns+
		" FROM messages WHERE thread_id = ? ORDER BY created_at, id", threadID)
	return scanMessages(err, rows)
}

// GetMessage reads one message of a thread.
func (s *Store) GetMessage(ctx context.Context, threadID, id string) (Message, error) {
	rows, err := s.reader().query(ctx, "SELECT "+messageColumns+" FROM messages WHERE thread_id = ? AND id = ?", threadID, id)
	msgs, err := scanMessages(err, rows)
	if err != nil {
		return Message{}, err
	}
	if len(msgs) == 0 {
		return Message{}, ErrNotFound
	}
	return msgs[0], nil
}

// ListMessagesBefore returns the messages strictly before messageID, oldest
// first; ErrNotFound when that message is not in the thread.
func (s *Store) ListMessagesBefore(ctx context.Context, threadID, messageID string) ([]Message, error) {
	var at int64
	err := s.reader().row(ctx, "SELECT created_at FROM messages WHERE thread_id = ? AND id = ?", threadID, messageID).Scan(&at)
	if err != nil {
		return nil, mapErr(err)
	}
	rows, err := s.reader().query(ctx, "SELECT "+messageColumns+` FROM messages
		WHERE thread_id = ? AND (created_at < ? OR (created_at = ? AND id < ?))
		ORDER BY created_at, id`, threadID, at, at, messageID)
	return scanMessages(err, rows)
}

// ListMessagesThrough returns the messages up to and including messageID,
// oldest first (the history behind a post); ErrNotFound when that message
// is not in the thread.
func (s *Store) ListMessagesThrough(ctx context.Context, threadID, messageID string) ([]Message, error) {
	var at int64
	err := s.reader().row(ctx, "SELECT created_at FROM messages WHERE thread_id = ? AND id = ?", threadID, messageID).Scan(&at)
	if err != nil {
		return nil, mapErr(err)
	}
	rows, err := s.reader().query(ctx, "SELECT "+messageColumns+` FROM messages
		WHERE thread_id = ? AND (created_at < ? OR (created_at = ? AND id <= ?))
		ORDER BY created_at, id`, threadID, at, at, messageID)
	return scanMessages(err, rows)
}

func insertMessage(ctx context.Context, c conn, m Message, ts time.Time) error {
	if m.Format == "" {
		m.Format = FormatV5
	}
	_, err := c.exec(ctx, `INSERT INTO messages (thread_id, id, user_id, role, body, format, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, m.ThreadID, m.ID, m.UserID, m.Role, string(m.Body), m.Format, micros(ts), micros(ts))
	if err != nil {
		return fmt.Errorf("insert message: %w", mapErr(err))
	}
	return nil
}

// upsertMessage inserts or replaces a message by (thread, id), keeping its
// original position in the thread, and bumps the thread's updated_at.
func upsertMessage(ctx context.Context, c conn, m Message) error {
	ts := micros(now())
	if m.Format == "" {
		m.Format = FormatV5
	}
	_, err := c.exec(ctx, `INSERT INTO messages (thread_id, id, user_id, role, body, format, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (thread_id, id) DO UPDATE SET role = excluded.role, body = excluded.body,
			format = excluded.format, updated_at = excluded.updated_at`,
		m.ThreadID, m.ID, m.UserID, m.Role, string(m.Body), m.Format, ts, ts)
	if err != nil {
		return fmt.Errorf("upsert message: %w", mapErr(err))
	}
	_, err = c.exec(ctx, "UPDATE threads SET updated_at = ? WHERE id = ?", ts, m.ThreadID)
	return mapErr(err)
}

// RewriteV4Message stores the v5 conversion of a row read as v4 (by its
// shape or its format column). The write is conditional on the row still
// holding readBody, the body the conversion was made from, not on the
// format column: rows written by v4 clients are detected by shape and may
// carry any format, and a row edited since the read must not be replaced
// by a conversion of its old body. So concurrent rewrites are harmless and
// a converted row (no longer v4-shaped) is never scheduled again. It
// reports whether the row was rewritten.
func (s *Store) RewriteV4Message(ctx context.Context, threadID, id string, readBody, v5Body []byte) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(c conn) error {
		res, err := c.exec(ctx, `UPDATE messages SET body = ?, format = 'v5', updated_at = ?
			WHERE thread_id = ? AND id = ? AND body = ?`, string(v5Body), micros(now()), threadID, id, string(readBody))
		if err != nil {
			return mapErr(err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n > 0, err
}
