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
	// WatermarkKey is the watermarked download copy; deleting the file
	// deletes it too.
	WatermarkKey string
	// PublicKey is the public copy of the latest post made from this file.
	// The copy belongs to the post (feeds.public_key) and goes only with the
	// post, so it is not among Keys.
	PublicKey string
	// Moderation is the stored CSAM-check verdict ("" never checked,
	// ModerationClear or ModerationNSFW), set at ModeratedAt.
	Moderation  string
	ModeratedAt time.Time
	Prompt      string
	Seed        *int64
	ToolCallID  string
	ToolName    string
	CreatedAt   time.Time
}

const fileColumns = `id, user_id, kind, origin, content_type, size_bytes, storage_key,
	COALESCE(width, 0), COALESCE(height, 0), COALESCE(blurhash, ''), COALESCE(thumb_key, ''),
	COALESCE(blur_key, ''), COALESCE(watermark_key, ''), COALESCE(public_key, ''), COALESCE(prompt, ''),
	seed, COALESCE(tool_call_id, ''), COALESCE(tool_name, ''), created_at, COALESCE(moderation, ''),
	COALESCE(moderated_at, 0)`

func scanFile(row interface{ Scan(...any) error }) (File, error) {
	var f File
	var created, moderated int64
	err := row.Scan(&f.ID, &f.UserID, &f.Kind, &f.Origin, &f.ContentType, &f.Size, &f.StorageKey,
		&f.Width, &f.Height, &f.Blurhash, &f.ThumbKey, &f.BlurKey, &f.WatermarkKey, &f.PublicKey, &f.Prompt, &f.Seed,
		&f.ToolCallID, &f.ToolName, &created, &f.Moderation, &moderated)
	if err != nil {
		return File{}, mapErr(err)
	}
	f.CreatedAt = fromMicros(created)
	if moderated != 0 {
		f.ModeratedAt = fromMicros(moderated)
	}
	return f, nil
}

// CreateFile registers a stored object.
func (s *Store) CreateFile(ctx context.Context, f File) (File, error) {
	f.CreatedAt = now()
	err := s.inTx(ctx, func(c conn) error { return insertFile(ctx, c, f) })
	return f, err
}

// insertFile writes one files row (CreatedAt now when unset).
func insertFile(ctx context.Context, c conn, f File) error {
	if f.CreatedAt.IsZero() {
		f.CreatedAt = now()
	}
	_, err := c.exec(ctx, `INSERT INTO files (id, user_id, kind, origin, content_type, size_bytes,
		storage_key, width, height, blurhash, thumb_key, blur_key, watermark_key, public_key, prompt, seed,
		tool_call_id, tool_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.UserID, f.Kind, f.Origin, f.ContentType, f.Size, f.StorageKey, nullInt(f.Width),
		nullInt(f.Height), nullString(f.Blurhash), nullString(f.ThumbKey), nullString(f.BlurKey),
		nullString(f.WatermarkKey), nullString(f.PublicKey), nullString(f.Prompt), f.Seed,
		nullString(f.ToolCallID), nullString(f.ToolName), micros(f.CreatedAt))
	return mapErr(err)
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

// FileDerivatives are what the image pipeline computes for an original.
type FileDerivatives struct {
	Width, Height     int
	Blurhash          string
	ThumbKey, BlurKey string
}

// SetFileDerivatives records an image's size, blurhash and derivative keys
// and returns the updated row.
func (s *Store) SetFileDerivatives(ctx context.Context, id string, d FileDerivatives) (File, error) {
	var f File
	err := s.inTx(ctx, func(c conn) error {
		var err error
		f, err = scanFile(c.row(ctx, `UPDATE files SET width = ?, height = ?, blurhash = ?, thumb_key = ?, blur_key = ?
			WHERE id = ? RETURNING `+fileColumns, nullInt(d.Width), nullInt(d.Height), nullString(d.Blurhash),
			nullString(d.ThumbKey), nullString(d.BlurKey), id))
		return err
	})
	return f, err
}

// SetFileWatermarkKey records the key of a file's watermarked copy.
func (s *Store) SetFileWatermarkKey(ctx context.Context, id, key string) error {
	return s.setFileColumn(ctx, "watermark_key", id, key)
}

// SetFilePublicKey records the key of a file's published (public) copy.
func (s *Store) SetFilePublicKey(ctx context.Context, id, key string) error {
	return s.setFileColumn(ctx, "public_key", id, key)
}

// setFileColumn sets one key column; column is a constant of this file,
// never caller input.
func (s *Store) setFileColumn(ctx context.Context, column, id, key string) error {
	return s.inTx(ctx, func(c conn) error {
		res, err := c.exec(ctx, "UPDATE files SET "+column+" = ? WHERE id = ?", nullString(key), id)
		if err != nil {
			return mapErr(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// DeleteFile removes a file's registry row and returns it, so the caller
// can delete every stored key it names (after deleting the bytes first, so
// a failure leaves a row to retry with rather than orphaned bytes).
// ErrNotFound when no such row exists (e.g. already deleted).
func (s *Store) DeleteFile(ctx context.Context, id string) (File, error) {
	var f File
	err := s.inTx(ctx, func(c conn) error {
		var err error
		f, err = scanFile(c.row(ctx, "DELETE FROM files WHERE id = ? RETURNING "+fileColumns, id))
		return err
	})
	return f, err
}

// Moderation verdicts stored on a file (a CSAM hit deletes the file, so
// it is never stored).
const (
	ModerationClear = "clear"
	ModerationNSFW  = "nsfw"
)

// SetFileModeration records a file's passing CSAM-check verdict and returns
// the updated row.
func (s *Store) SetFileModeration(ctx context.Context, id, verdict string) (File, error) {
	var f File
	err := s.inTx(ctx, func(c conn) error {
		var err error
		f, err = scanFile(c.row(ctx, "UPDATE files SET moderation = ?, moderated_at = ? WHERE id = ? RETURNING "+fileColumns,
			verdict, micros(now()), id))
		return err
	})
	return f, err
}

// FilePublicCopies lists the public copies of every post made from a file
// (an image post, or a post of a task whose result it is): what must go
// when the file itself must not be shown anywhere (a CSAM hit).
func (s *Store) FilePublicCopies(ctx context.Context, id string) ([]string, error) {
	rows, err := s.reader().query(ctx, `SELECT public_key FROM feeds WHERE public_key IS NOT NULL
		AND (image_id = ? OR task_id IN (SELECT id FROM media_tasks WHERE result_file_id = ?))`, id, id)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, mapErr(err)
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// Keys lists the storage keys a file owns: the original, its derivatives
// and its watermarked copy. Public copies belong to posts (see PublicKey).
func (f File) Keys() []string {
	var keys []string
	for _, k := range []string{f.StorageKey, f.ThumbKey, f.BlurKey, f.WatermarkKey} {
		if k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

func nullInt(v int) sql.NullInt64 { return sql.NullInt64{Int64: int64(v), Valid: v != 0} }

func anySlice[T any](in []T) []any {
	out := make([]any, len(in))
	for i, v := range in {
		out[i] = v
	}
	return out
}
