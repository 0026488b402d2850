// Package store is the relational data layer. SQL is hand-written and
// portable between SQLite (embedded mode) and PostgreSQL: `?` placeholders
// are rebound for Postgres, ids and UTC timestamps are made by the app,
// timestamps are stored as BIGINT Unix microseconds, JSON as TEXT. The few
// dialect differences live in this file and in dialect.go.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" driver
	"github.com/riverqueue/river"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Sentinel errors every store method returns instead of driver errors.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Dialect names the SQL engine behind a Store.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is the database. Reads go to a pool; on SQLite writes go to a single
// connection so writers queue in Go instead of failing with SQLITE_BUSY.
type Store struct {
	read    *sql.DB
	write   *sql.DB
	dialect Dialect
	// pg is the native pgx pool under read/write on Postgres (nil on
	// SQLite): the hottest statements skip database/sql's layer on it, and
	// River's pgx driver shares it.
	pg *pgxpool.Pool
	// jobs inserts River jobs inside the store's transactions (jobs.go).
	jobs *river.Client[*sql.Tx]
	// sqlitePath is the SQLite file (empty on Postgres); Migrate locks a
	// file beside it so processes opening a new database at once migrate
	// one after the other.
	sqlitePath string
}

// Open connects to Postgres when databaseURL is set, otherwise to the SQLite
// file at sqlitePath (created with its directory when missing).
func Open(ctx context.Context, databaseURL, sqlitePath string) (*Store, error) {
	if databaseURL != "" {
		return openPostgres(ctx, databaseURL)
	}
	return openSQLite(ctx, sqlitePath)
}

func openPostgres(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	// One pool of postgresMaxConns, kept open when idle: under load a
	// closed connection means the next request forks a new backend, which
	// costs more than the query. 40 per instance leaves room for two
	// instances and tools under Postgres' default 100.
	cfg.MaxConns = postgresMaxConns
	cfg.MaxConnIdleTime = 5 * time.Minute
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	// database/sql keeps no idle connections of its own over the pool
	// (OpenDBFromPool sets that): idle ones would hold pool connections
	// and starve the native users.
	db := stdlib.OpenDBFromPool(pool)
	s := &Store{read: db, write: db, dialect: Postgres, pg: pool}
	if err := s.newInserter(); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	return s, nil
}

// postgresMaxConns bounds one process's Postgres connections.
const postgresMaxConns = 40

// sqlitePragmas: WAL lets readers run beside the writer; busy_timeout covers
// the moment another process (kira migrate, kira seed) holds the lock;
// _txlock=immediate takes the write lock at BEGIN so a transaction never
// fails half-way on lock upgrade.
const sqlitePragmas = "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"

func openSQLite(ctx context.Context, path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
	}
	dsn := "file:" + path + sqlitePragmas
	write, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	read, err := sql.Open("sqlite", dsn)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	read.SetMaxOpenConns(8)
	s := &Store{read: read, write: write, dialect: SQLite, sqlitePath: path}
	if err := s.newInserter(); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return s, nil
}

// Dialect reports which engine the store talks to.
func (s *Store) Dialect() Dialect { return s.dialect }

// Ping checks that the database answers (used by /ready).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return err
	}
	return s.read.PingContext(ctx)
}

// Close releases every connection.
func (s *Store) Close() error {
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	if s.pg != nil {
		s.pg.Close()
	}
	return err
}

// conn runs rebound queries on a *sql.DB or *sql.Tx.
type conn struct {
	q interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}
	d Dialect
	// tx and jobs are set inside inTx, so enqueue can put River jobs into
	// the same transaction.
	tx   *sql.Tx
	jobs *river.Client[*sql.Tx]
}

func (c conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.q.ExecContext(ctx, rebind(c.d, query), args...)
}

func (c conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.q.QueryContext(ctx, rebind(c.d, query), args...)
}

func (c conn) row(ctx context.Context, query string, args ...any) *sql.Row {
	return c.q.QueryRowContext(ctx, rebind(c.d, query), args...)
}

// reader is for queries outside a transaction.
func (s *Store) reader() conn { return conn{q: s.read, d: s.dialect} }

// inTx runs fn in a write transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(c conn) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	if err := fn(conn{q: tx, d: s.dialect, tx: tx, jobs: s.jobs}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	return nil
}

// rebind turns `?` placeholders into `$1…$n` for Postgres. Queries in this
// package never contain a literal question mark. Rebound texts are kept
// (the queries are a fixed set of constants, plus IN lists of a few
// lengths), so the hot path does no rewriting.
func rebind(d Dialect, query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	if q, ok := rebound.Load(query); ok {
		return q.(string)
	}
	b := make([]byte, 0, len(query)+16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b = append(b, '$')
			b = strconv.AppendInt(b, int64(n), 10)
			continue
		}
		b = append(b, query[i])
	}
	q := string(b)
	if reboundCount.Add(1) <= maxRebound {
		rebound.Store(query, q)
	}
	return q
}

// rebound caches rebind's results, up to maxRebound distinct queries (a
// bound in case some caller ever builds query texts from data).
var (
	rebound      sync.Map
	reboundCount atomic.Int64
)

const maxRebound = 4096

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}
