package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// BulkRows is a batch of complete rows for BulkInsert, in the store's own
// row types. Rows are written parents first (the field order), so a batch
// may hold a user together with the threads, posts and likes that point at
// it. Zero values of optional columns (empty strings, zero sizes of
// optional dimensions, nil pointers) are written as NULL, as the store's
// own writes do.
type BulkRows struct {
	Profiles      []Profile
	Files         []BulkFile
	Ledger        []LedgerEntry
	Threads       []Thread
	Messages      []Message
	Versions      []Version
	VersionImages []BulkVersionImage
	Tasks         []BulkTask
	Feeds         []Feed // LikedNumber is written as given: keep it equal to the batch's likes
	Likes         []Like
}

// BulkFile is a file row with the columns File does not carry.
type BulkFile struct {
	File
	DurationMS int64 // videos and songs
}

// BulkVersionImage is one image of a version at its position.
type BulkVersionImage struct {
	VersionID string
	Position  int
	VersionImage
}

// BulkTask is a media task with its run times.
type BulkTask struct {
	MediaTask
	StartedAt, FinishedAt *time.Time
}

// LedgerEntry is one row of the credit ledger.
type LedgerEntry struct {
	ID          string
	UserID      string
	EntryKey    string // unique: makes a grant or charge idempotent
	CreditDelta int
	AddonDelta  int
	Reason      string
	RefID       string
	CreatedAt   time.Time
}

// Like is one user's like of a post.
type Like struct {
	FeedID    string
	UserID    string
	CreatedAt time.Time
}

// Len is the number of rows in the batch.
func (b *BulkRows) Len() int {
	n := 0
	for _, t := range bulkTables {
		n += t.rows(b)
	}
	return n
}

// BulkInsert writes every row of b in one transaction: COPY on Postgres
// (one round trip per table), multi-row INSERTs on SQLite. It is for
// `kira seed`, not for the API: rows are written as given, with no checks
// beyond the schema's, and on Postgres the transaction skips the WAL flush
// at commit (synchronous_commit off: a crash loses the last batches, not
// consistency) and, for a superuser, the foreign-key triggers
// (session_replication_role = replica: the caller vouches that every
// reference holds; the per-row trigger queries are the largest cost of a
// bulk load). Batches may run concurrently on Postgres; SQLite queues them
// on its single writer.
func (s *Store) BulkInsert(ctx context.Context, b *BulkRows) error {
	if s.dialect == Postgres {
		return s.copyPostgres(ctx, b)
	}
	return s.inTx(ctx, func(c conn) error {
		for _, t := range bulkTables {
			if err := t.insert(ctx, c, b); err != nil {
				return fmt.Errorf("insert %s: %w", t.name, mapErr(err))
			}
		}
		return nil
	})
}

// BulkTableNames lists the tables BulkInsert writes, parents first.
func BulkTableNames() []string {
	out := make([]string, len(bulkTables))
	for i, t := range bulkTables {
		out[i] = t.name
	}
	return out
}

// sqliteMaxVars stays under SQLite's default limit of bound parameters
// (32766 since 3.32) for one statement.
const sqliteMaxVars = 32000

// insertMany writes rows as multi-row INSERTs of at most sqliteMaxVars
// values each.
func insertMany[T any](ctx context.Context, c conn, name string, cols []string, rows []T, values func(*T) []any) error {
	per := max(1, sqliteMaxVars/len(cols))
	tuple := "(" + placeholders(len(cols)) + ")"
	head := "INSERT INTO " + name + " (" + strings.Join(cols, ", ") + ") VALUES "
	for len(rows) > 0 {
		n := min(per, len(rows))
		var q strings.Builder
		q.Grow(len(head) + n*(len(tuple)+2))
		q.WriteString(head)
		args := make([]any, 0, n*len(cols))
		for i := range rows[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(tuple)
			args = append(args, values(&rows[i])...)
		}
		if _, err := c.exec(ctx, q.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}
