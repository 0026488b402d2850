package seed

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/kira-art/kira/internal/store"
)

// table is a destination of generated rows; tables are written in the
// order of this list so foreign keys always point at rows already there.
type table struct {
	name string
	cols []string
}

// The seeded tables, parents first.
var (
	tProfiles = table{"profiles", []string{"id", "email", "nickname", "avatar_image_id", "plan", "credit",
		"addon_credits", "language", "watermark", "is_open_notification", "last_credit_issued_at", "banned",
		"referral_code", "created_at", "updated_at"}}
	tFiles = table{"files", []string{"id", "user_id", "kind", "origin", "content_type", "size_bytes", "storage_key",
		"width", "height", "duration_ms", "blurhash", "thumb_key", "blur_key", "public_key", "prompt", "seed",
		"tool_call_id", "tool_name", "created_at"}}
	tLedger  = table{"credit_ledger", []string{"id", "user_id", "entry_key", "credit_delta", "reason", "created_at"}}
	tThreads = table{"threads", []string{"id", "user_id", "title", "title_source", "thumb_image_id", "flags",
		"created_at", "updated_at"}}
	tMessages = table{"messages", []string{"thread_id", "id", "user_id", "role", "body", "format", "created_at",
		"updated_at"}}
	tVersions      = table{"versions", []string{"id", "user_id", "thread_id", "message_id", "created_at"}}
	tVersionImages = table{"version_images", []string{"version_id", "image_id", "position", "data"}}
	tTasks         = table{"media_tasks", []string{"id", "user_id", "thread_id", "version_id", "message_id", "kind",
		"status", "provider", "prompt", "params", "source_image_id", "result_file_id", "thumb_file_id", "width",
		"height", "duration_ms", "blurhash", "error_message", "created_at", "updated_at", "started_at", "finished_at"}}
	tFeeds = table{"feeds", []string{"id", "user_id", "media_kind", "image_id", "task_id", "origin_image_id",
		"thread_id", "message_id", "public_key", "prompt", "flags", "is_public", "featured", "liked_number",
		"created_at", "updated_at"}}
	tLikes = table{"likes", []string{"feed_id", "user_id", "created_at"}}

	tableOrder = []table{tProfiles, tFiles, tLedger, tThreads, tMessages, tVersions, tVersionImages, tTasks, tFeeds, tLikes}
)

// batch holds generated rows per table name.
type batch map[string][][]any

func (b batch) add(t table, row ...any) {
	if len(row) != len(t.cols) {
		panic(fmt.Sprintf("seed: %s row has %d values for %d columns", t.name, len(row), len(t.cols)))
	}
	b[t.name] = append(b[t.name], row)
}

// count is the number of rows of all tables.
func (b batch) count() int {
	n := 0
	for _, rows := range b {
		n += len(rows)
	}
	return n
}

// writer writes batches in one transaction each: COPY on Postgres (the
// fastest bulk path, one round trip per table), multi-row INSERTs on SQLite.
type writer struct {
	db      *sql.DB
	dialect store.Dialect
	// trusted: the Postgres role may skip foreign-key triggers for the
	// load (session_replication_role, superusers only). The generator only
	// makes consistent rows (the tests check every reference), and the
	// per-row trigger queries are the largest cost of a bulk load.
	trusted bool
}

func newWriter(ctx context.Context, db *sql.DB, d store.Dialect) (writer, error) {
	w := writer{db: db, dialect: d}
	if d == store.Postgres {
		if err := db.QueryRowContext(ctx, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&w.trusted); err != nil {
			return w, fmt.Errorf("check role: %w", err)
		}
	}
	return w, nil
}

// parallelism is how many chunks may be written at once: Postgres loads
// on several connections; SQLite has a single writer.
func (w writer) parallelism() int {
	if w.dialect == store.Postgres {
		return 2
	}
	return 1
}

func (w writer) write(ctx context.Context, b batch) error {
	if w.dialect == store.Postgres {
		return w.copyPostgres(ctx, b)
	}
	return w.insertSQLite(ctx, b)
}

func (w writer) copyPostgres(ctx context.Context, b batch) error {
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		pg := driverConn.(*stdlib.Conn).Conn()
		tx, err := pg.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
		// A lost commit on a crash only loses demo rows: no need to wait
		// for the WAL flush of each chunk.
		settings := "SET LOCAL synchronous_commit = off"
		if w.trusted {
			settings += "; SET LOCAL session_replication_role = replica"
		}
		if _, err := tx.Exec(ctx, settings); err != nil {
			return err
		}
		for _, t := range tableOrder {
			rows := b[t.name]
			if len(rows) == 0 {
				continue
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(rows)); err != nil {
				return fmt.Errorf("copy %s: %w", t.name, err)
			}
		}
		return tx.Commit(ctx)
	})
}

// sqliteMaxVars stays under SQLite's default limit of bound parameters
// (32766 since 3.32) for one statement.
const sqliteMaxVars = 32000

func (w writer) insertSQLite(ctx context.Context, b batch) error {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	for _, t := range tableOrder {
		rows := b[t.name]
		per := max(1, sqliteMaxVars/len(t.cols))
		for len(rows) > 0 {
			n := min(per, len(rows))
			if err := insertRows(ctx, tx, t, rows[:n]); err != nil {
				return err
			}
			rows = rows[n:]
		}
	}
	return tx.Commit()
}

func insertRows(ctx context.Context, tx *sql.Tx, t table, rows [][]any) error {
	var q strings.Builder
	q.WriteString("INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES ")
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
	args := make([]any, 0, len(rows)*len(t.cols))
	for i, r := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(tuple)
		args = append(args, r...)
	}
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("insert %s: %w", t.name, err)
	}
	return nil
}
