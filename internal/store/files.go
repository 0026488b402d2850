package store

import (
	"context"
	"database/sql"
	"time"
)

// File is a stored object's registry row. Ownership checks read UserID from
// here, never from the client.
type File struct {
	ID          string
	UserID      string
	Kind        string // image, video, audio
	Origin      string // insert (upload), gen (AI output), …
	ContentType string
	Size        int64
	StorageKey  string
	Width       int
	Height      int
	Blurhash    string
	ThumbKey    string
	BlurKey     string
	Prompt      string
	Seed        *int64
	ToolCallID  string
	ToolName    string
	CreatedAt   time.Time
}

const fileColumns = `id, user_id, kind, origin, content_type, size_bytes, storage_key,
	COALESCE(width, 0), COALESCE(height, 0), COALESCE(blurhash, ''), COALESCE(thumb_key, ''),
	COALESCE(blur_key, ''), COALESCE(prompt, ''), seed, COALESCE(tool_call_id, ''),
	COALESCE(tool_name, ''), created_at`

func scanFile(row interface{ Scan(...any) error }) (File, error) {
	var f File
	var created int64
	err := row.Scan(&f.ID, &f.UserID, &f.Kind, &f.Origin, &f.ContentType, &f.Size, &f.StorageKey,
		&f.Width, &f.Height, &f.Blurhash, &f.ThumbKey, &f.BlurKey, &f.Prompt, &f.Seed,
		&f.ToolCallID, &f.ToolName, &created)
	if err != nil {
		return File{}, mapErr(err)
	}
	f.CreatedAt = fromMicros(created)
	return f, nil
}

// CreateFile registers a stored object.
func (s *Store) CreateFile(ctx context.Context, f File) (File, error) {
	f.CreatedAt = now()
	err := s.inTx(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO files (id, user_id, kind, origin, content_type, size_bytes,
			storage_key, width, height, blurhash, thumb_key, blur_key, prompt, seed, tool_call_id,
			tool_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.ID, f.UserID, f.Kind, f.Origin, f.ContentType, f.Size, f.StorageKey, nullInt(f.Width),
			nullInt(f.Height), nullString(f.Blurhash), nullString(f.ThumbKey), nullString(f.BlurKey),
			nullString(f.Prompt), f.Seed, nullString(f.ToolCallID), nullString(f.ToolName), micros(f.CreatedAt))
		return mapErr(err)
	})
	return f, err
}

// GetFile reads one file row.
func (s *Store) GetFile(ctx context.Context, id string) (File, error) {
	return scanFile(s.reader().row(ctx, "SELECT "+fileColumns+" FROM files WHERE id = ?", id))
}

// GetFiles reads many file rows in one query; missing ids are absent.
func (s *Store) GetFiles(ctx context.Context, ids []string) (map[string]File, error) {
	out := make(map[string]File, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.reader().query(ctx, "SELECT "+fileColumns+" FROM files WHERE id IN ("+placeholders(len(ids))+")", anySlice(ids)...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, err
		}
		out[f.ID] = f
	}
	return out, rows.Err()
}

func nullInt(v int) sql.NullInt64 { return sql.NullInt64{Int64: int64(v), Valid: v != 0} }

func anySlice[T any](in []T) []any {
	out := make([]any, len(in))
	for i, v := range in {
		out[i] = v
	}
	return out
}
