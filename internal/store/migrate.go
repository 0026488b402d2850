package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migration is one numbered SQL file of a dialect.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists a dialect's embedded migrations in order.
func Migrations(d Dialect) ([]Migration, error) {
	dir := "migrations/" + string(d)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: want NNNN_name.sql", e.Name())
		}
		body, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Migrate applies every migration not yet recorded in schema_migrations,
// each in its own transaction. Processes that start at the same moment are
// serialised (ours and River's migrations alike) by an advisory lock on
// Postgres and by a lock file beside the database on SQLite. It returns the versions applied.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	lock := s.migrationLock
	if s.dialect == SQLite {
		lock = func(context.Context) (func(), error) { return lockFile(s.sqlitePath + ".migrate.lock") }
	}
	unlock, err := lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	applied, err := s.migrateOurs(ctx)
	if err != nil {
		return applied, err
	}
	// After ours, with their connection released: on SQLite River needs
	// the one writer connection.
	return applied, s.migrateRiver(ctx)
}

// migrationLock takes the Postgres advisory lock that serialises instances
// migrating at the same moment, on a connection of its own.
func (s *Store) migrationLock(ctx context.Context) (func(), error) {
	c, err := s.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	// An arbitrary constant shared by every kira instance.
	if _, err := c.ExecContext(ctx, "SELECT pg_advisory_lock(7312400112)"); err != nil {
		c.Close()
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	return func() {
		c.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7312400112)") //nolint:errcheck
		c.Close()
	}, nil
}

func (s *Store) migrateOurs(ctx context.Context) ([]int, error) {
	migs, err := Migrations(s.dialect)
	if err != nil {
		return nil, err
	}
	c, err := s.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	done, err := appliedVersions(ctx, c)
	if err != nil {
		return nil, err
	}
	var applied []int
	for _, m := range migs {
		if done[m.Version] {
			continue
		}
		if err := s.applyOne(ctx, c, m); err != nil {
			return applied, err
		}
		applied = append(applied, m.Version)
	}
	return applied, nil
}

func appliedVersions(ctx context.Context, c *sql.Conn) (map[int]bool, error) {
	rows, err := c.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	done := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		done[v] = true
	}
	return done, rows.Err()
}

func (s *Store) applyOne(ctx context.Context, c *sql.Conn, m Migration) error {
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck
	// Another process may have applied it since the versions were read:
	// on SQLite the immediate transaction now holds the write lock (on
	// Postgres the advisory lock), so this second look is the one that counts.
	var n int
	if err := tx.QueryRowContext(ctx, rebind(s.dialect, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.Version).Scan(&n); err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
	}
	q := rebind(s.dialect, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
	if _, err := tx.ExecContext(ctx, q, m.Version, m.Name, micros(time.Now())); err != nil {
		return fmt.Errorf("record migration %d: %w", m.Version, err)
	}
	return tx.Commit()
}
