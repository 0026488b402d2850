package store

import (
	"context"
	"encoding/json"
	"time"
)

// bulkTable is one table BulkInsert writes: its columns and, in the same
// place, the values of a row in that order, so the two cannot drift. The
// generic helpers behind insert and copy get the rows of their table from
// a batch through the closures, without a [][]any copy of the batch.
type bulkTable struct {
	name string
	cols []string
	rows func(*BulkRows) int
	// insert writes the table's rows of a batch on SQLite; copy returns
	// the source for pgx CopyFrom on Postgres.
	insert func(context.Context, conn, *BulkRows) error
	copy   func(*BulkRows) copySource
}

// table builds a bulkTable for rows of type T picked from a batch by get.
func table[T any](name string, cols []string, get func(*BulkRows) []T, values func(*T) []any) bulkTable {
	return bulkTable{
		name: name, cols: cols,
		rows: func(b *BulkRows) int { return len(get(b)) },
		insert: func(ctx context.Context, c conn, b *BulkRows) error {
			return insertMany(ctx, c, name, cols, get(b), values)
		},
		copy: func(b *BulkRows) copySource { return newCopySource(get(b), values) },
	}
}

// bulkTables are the tables of a seeded world, parents first.
var bulkTables = []bulkTable{
	table("profiles", []string{"id", "email", "nickname", "avatar_image_id", "plan", "credit", "addon_credits",
		"language", "watermark", "is_open_notification", "last_credit_issued_at", "banned", "referral_code",
		"created_at", "updated_at"},
		func(b *BulkRows) []Profile { return b.Profiles },
		func(p *Profile) []any {
			return []any{p.ID, orNull(p.Email), p.Nickname, orNull(p.AvatarImageID), p.Plan, p.Credit, p.AddonCredits,
				p.Language, p.Watermark, p.IsOpenNotification, optTime(p.LastCreditIssuedAt), p.Banned,
				orNull(p.ReferralCode), micros(p.CreatedAt), micros(p.UpdatedAt)}
		}),
	table("files", []string{"id", "user_id", "kind", "origin", "content_type", "size_bytes", "storage_key",
		"width", "height", "duration_ms", "blurhash", "thumb_key", "blur_key", "watermark_key", "public_key",
		"prompt", "seed", "tool_call_id", "tool_name", "created_at"},
		func(b *BulkRows) []BulkFile { return b.Files },
		func(f *BulkFile) []any {
			var seed any
			if f.Seed != nil {
				seed = *f.Seed
			}
			return []any{f.ID, f.UserID, f.Kind, f.Origin, f.ContentType, f.Size, f.StorageKey,
				orNull(f.Width), orNull(f.Height), orNull(f.DurationMS), orNull(f.Blurhash), orNull(f.ThumbKey),
				orNull(f.BlurKey), orNull(f.WatermarkKey), orNull(f.PublicKey), orNull(f.Prompt), seed,
				orNull(f.ToolCallID), orNull(f.ToolName), micros(f.CreatedAt)}
		}),
	table("credit_ledger", []string{"id", "user_id", "entry_key", "credit_delta", "addon_delta", "reason",
		"ref_id", "created_at"},
		func(b *BulkRows) []LedgerEntry { return b.Ledger },
		func(e *LedgerEntry) []any {
			return []any{e.ID, e.UserID, e.EntryKey, e.CreditDelta, e.AddonDelta, e.Reason, orNull(e.RefID),
				micros(e.CreatedAt)}
		}),
	table("threads", []string{"id", "user_id", "title", "title_source", "thumb_image_id", "flags", "created_at",
		"updated_at"},
		func(b *BulkRows) []Thread { return b.Threads },
		func(t *Thread) []any {
			return []any{t.ID, t.UserID, t.Title, t.TitleSource, orNull(t.ThumbImageID), flagsJSON(t.Flags),
				micros(t.CreatedAt), micros(t.UpdatedAt)}
		}),
	table("messages", []string{"thread_id", "id", "user_id", "role", "body", "format", "created_at", "updated_at"},
		func(b *BulkRows) []Message { return b.Messages },
		func(m *Message) []any {
			format := m.Format
			if format == "" {
				format = FormatV5
			}
			return []any{m.ThreadID, m.ID, m.UserID, m.Role, string(m.Body), format, micros(m.CreatedAt),
				micros(m.UpdatedAt)}
		}),
	table("versions", []string{"id", "user_id", "thread_id", "message_id", "created_at"},
		func(b *BulkRows) []Version { return b.Versions },
		func(v *Version) []any { return []any{v.ID, v.UserID, v.ThreadID, v.MessageID, micros(v.CreatedAt)} }),
	table("version_images", []string{"version_id", "image_id", "position", "data"},
		func(b *BulkRows) []BulkVersionImage { return b.VersionImages },
		func(v *BulkVersionImage) []any { return []any{v.VersionID, v.ImageID, v.Position, string(v.Data)} }),
	table("media_tasks", []string{"id", "user_id", "thread_id", "version_id", "message_id", "kind", "status",
		"provider", "prompt", "params", "source_image_id", "result_file_id", "thumb_file_id", "width", "height",
		"duration_ms", "blurhash", "error_message", "created_at", "updated_at", "started_at", "finished_at"},
		func(b *BulkRows) []BulkTask { return b.Tasks },
		func(t *BulkTask) []any {
			return []any{t.ID, t.UserID, orNull(t.ThreadID), orNull(t.VersionID), orNull(t.MessageID), t.Kind,
				t.Status, t.Provider, t.Prompt, string(t.Params), orNull(t.SourceImageID), orNull(t.ResultFileID),
				orNull(t.ThumbFileID), orNull(t.Width), orNull(t.Height), orNull(t.DurationMS), orNull(t.Blurhash),
				orNull(t.ErrorMessage), micros(t.CreatedAt), micros(t.UpdatedAt), optTime(t.StartedAt),
				optTime(t.FinishedAt)}
		}),
	table("feeds", []string{"id", "user_id", "media_kind", "image_id", "task_id", "origin_image_id", "thread_id",
		"message_id", "public_key", "prompt", "flags", "is_public", "featured", "liked_number", "created_at",
		"updated_at"},
		func(b *BulkRows) []Feed { return b.Feeds },
		func(f *Feed) []any {
			return []any{f.ID, f.UserID, f.MediaKind, orNull(f.ImageID), orNull(f.TaskID), orNull(f.OriginImageID),
				orNull(f.ThreadID), orNull(f.MessageID), orNull(f.PublicKey), f.Prompt, flagsJSON(f.Flags),
				f.Public, f.Featured, f.LikedNumber, micros(f.CreatedAt), micros(f.UpdatedAt)}
		}),
	table("likes", []string{"feed_id", "user_id", "created_at"},
		func(b *BulkRows) []Like { return b.Likes },
		func(l *Like) []any { return []any{l.FeedID, l.UserID, micros(l.CreatedAt)} }),
}

// orNull is v, or NULL for its zero value (the store's optional columns).
func orNull[T comparable](v T) any {
	var zero T
	if v == zero {
		return nil
	}
	return v
}

func optTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

// flagsJSON encodes flags as the store does, an empty list as [].
func flagsJSON(flags []string) string {
	if len(flags) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(flags) // []string always encodes
	return string(b)
}
