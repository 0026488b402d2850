// Package storetest opens real, migrated, isolated stores for tests: SQLite
// always, and Postgres when KIRA_TEST_DATABASE_URL is set (each test gets its
// own schema, dropped afterwards, so tests run in parallel on one database).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/kira-art/kira/internal/store"
)

// EnvDatabaseURL names the variable that enables the Postgres leg.
const EnvDatabaseURL = "KIRA_TEST_DATABASE_URL"

// Backend is a named way to open a fresh store.
type Backend struct {
	Name string
	Open func(t testing.TB) *store.Store
}

// Backends lists SQLite and, when configured, Postgres.
func Backends() []Backend {
	b := []Backend{{Name: "sqlite", Open: OpenSQLite}}
	if os.Getenv(EnvDatabaseURL) != "" {
		b = append(b, Backend{Name: "postgres", Open: OpenPostgres})
	}
	return b
}

// Each runs fn as a parallel subtest once per backend with a fresh store.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, b.Open(t))
		})
	}
}

// OpenSQLite opens a migrated SQLite store in a temporary directory.
func OpenSQLite(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), "", filepath.Join(t.TempDir(), "kira.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	migrate(t, s)
	return s
}

// OpenPostgres opens a migrated store in a new schema of the test database.
func OpenPostgres(t testing.TB) *store.Store {
	t.Helper()
	url, err := SchemaURL(t)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), url, "")
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	migrate(t, s)
	return s
}

// SchemaURL creates a fresh schema in KIRA_TEST_DATABASE_URL and returns a
// URL whose search_path points at it; the schema is dropped on cleanup.
// The test fails (not skips) when the database cannot be reached.
func SchemaURL(t testing.TB) (string, error) {
	t.Helper()
	base := os.Getenv(EnvDatabaseURL)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	schema := "kira_test_" + randomHex(6)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("postgres at %s unreachable: %v", EnvDatabaseURL, err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE") //nolint:errcheck
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func migrate(t testing.TB, s *store.Store) {
	t.Helper()
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", s.Dialect(), err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) //nolint:errcheck
	return hex.EncodeToString(b)
}
