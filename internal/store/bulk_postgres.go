package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// copySource feeds one table's rows of a batch to pgx CopyFrom.
type copySource = pgx.CopyFromSource

// sliceSource walks a slice of rows, turning each into its values only when
// COPY asks for it.
type sliceSource[T any] struct {
	rows   []T
	values func(*T) []any
	i      int
}

func newCopySource[T any](rows []T, values func(*T) []any) copySource {
	return &sliceSource[T]{rows: rows, values: values, i: -1}
}

func (s *sliceSource[T]) Next() bool             { s.i++; return s.i < len(s.rows) }
func (s *sliceSource[T]) Values() ([]any, error) { return s.values(&s.rows[s.i]), nil }
func (s *sliceSource[T]) Err() error             { return nil }

// copyPostgres writes a batch with COPY on one pooled connection, reached
// as a *pgx.Conn because database/sql has no COPY.
func (s *Store) copyPostgres(ctx context.Context, b *BulkRows) error {
	c, err := s.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("bulk insert: %w", err)
	}
	defer c.Close()
	return c.Raw(func(driverConn any) error {
		pg := driverConn.(*stdlib.Conn).Conn()
		tx, err := pg.Begin(ctx)
		if err != nil {
			return fmt.Errorf("bulk insert: begin: %w", err)
		}
		defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
		if err := bulkSettings(ctx, tx); err != nil {
			return err
		}
		for _, t := range bulkTables {
			if t.rows(b) == 0 {
				continue
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, t.copy(b)); err != nil {
				return fmt.Errorf("copy %s: %w", t.name, mapErr(err))
			}
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("bulk insert: commit: %w", mapErr(err))
		}
		return nil
	})
}

// bulkSettings makes the transaction a bulk load (see BulkInsert): no WAL
// flush at commit, and no foreign-key triggers when the role may skip them
// (superusers only). SET LOCAL ends with the transaction, so the pooled
// connection goes back to the pool as it was.
func bulkSettings(ctx context.Context, tx pgx.Tx) error {
	var super bool
	err := tx.QueryRow(ctx, `SELECT set_config('synchronous_commit', 'off', true) = 'off',
		current_setting('is_superuser') = 'on'`).Scan(new(bool), &super)
	if err == nil && super {
		_, err = tx.Exec(ctx, "SET LOCAL session_replication_role = replica")
	}
	if err != nil {
		return fmt.Errorf("bulk insert: settings: %w", err)
	}
	return nil
}

// AnalyzeBulkTables settles the tables after a bulk load, for seeding:
// bulk-loaded tables have no statistics and no visibility map yet, and
// autovacuum would fix both minutes later; doing it now gives the query
// plans (and benchmark numbers) of a settled database. SQLite needs
// nothing.
func (s *Store) AnalyzeBulkTables(ctx context.Context) error {
	if s.dialect != Postgres {
		return nil
	}
	if _, err := s.write.ExecContext(ctx, "VACUUM (ANALYZE) "+strings.Join(BulkTableNames(), ", ")); err != nil {
		return fmt.Errorf("vacuum analyze: %w", err)
	}
	return nil
}
