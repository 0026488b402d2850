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

// RewriteV4Message stores the v5 conversion of a v4 row. It only touches
// rows still marked v4, so concurrent rewrites are harmless.
func (s *Store) RewriteV4Message(ctx context.Context, threadID, id string, v5Body []byte) error {
	return s.inTx(ctx, func(c conn) error {
		_, err := c.exec(ctx, `UPDATE messages SET body = ?, format = 'v5'
			WHERE thread_id = ? AND id = ? AND format = 'v4'`, string(v5Body), threadID, id)
		return mapErr(err)
	})
}
