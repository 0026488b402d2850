package httpapi_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// rawEnv is a server plus a raw connection to its database, for rows no
// API writes directly (finished tasks, bans, chosen times, spent credit).
type rawEnv struct {
	*env
	raw *sql.DB
}

// forEachRawStore runs fn on every configured database with a rawEnv.
func forEachRawStore(t *testing.T, fn func(t *testing.T, e rawEnv)) {
	t.Helper()
	forEachRawStoreWith(t, nil, fn)
}

// forEachRawStoreWith is forEachRawStore with a configuration change.
func forEachRawStoreWith(t *testing.T, mutate func(*config.Config), fn func(t *testing.T, e rawEnv)) {
	t.Helper()
	backends := []string{"sqlite"}
	if os.Getenv(storetest.EnvDatabaseURL) != "" {
		backends = append(backends, "postgres")
	}
	for _, name := range backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var dbURL, path, driver, dsn string
			if name == "postgres" {
				var err error
				if dbURL, err = storetest.SchemaURL(t); err != nil {
					t.Fatal(err)
				}
				driver, dsn = "pgx", dbURL
			} else {
				path = filepath.Join(t.TempDir(), "kira.db")
				driver, dsn = "sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"
			}
			st, err := store.Open(context.Background(), dbURL, path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			if _, err := st.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { raw.Close() })
			var mutators []func(*config.Config)
			if mutate != nil {
				mutators = append(mutators, mutate)
			}
			fn(t, rawEnv{env: newEnv(t, st, mutators...), raw: raw})
		})
	}
}

// exec runs a statement written with ? placeholders on either dialect.
func (e rawEnv) exec(q string, args ...any) {
	e.t.Helper()
	if e.store.Dialect() == store.Postgres {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	if _, err := e.raw.Exec(q, args...); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}
