package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// The two dialect folders must stay in lock-step: same numbers, same names.
func TestMigrationFoldersMatch(t *testing.T) {
	t.Parallel()
	lite, err := store.Migrations(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.Migrations(store.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Version != pg[i].Version || lite[i].Name != pg[i].Name {
			t.Errorf("migration %d differs: sqlite %04d_%s, postgres %04d_%s",
				i, lite[i].Version, lite[i].Name, pg[i].Version, pg[i].Name)
		}
		if lite[i].Version != i+1 {
			t.Errorf("migration %s is numbered %d, want %d (no gaps)", lite[i].Name, lite[i].Version, i+1)
		}
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		applied, err := s.Migrate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Fatalf("second migrate applied %v again", applied)
		}
	})
}

// TestConcurrentFirstMigrationOnSQLite: processes started at once on a new
// SQLite file (operator commands beside `kira serve`) all open it; each
// migration is applied once and none fails with "already exists".
func TestConcurrentFirstMigrationOnSQLite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "kira.db")
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := store.Open(context.Background(), "", path)
			if err == nil {
				_, err = s.Migrate(context.Background())
				s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
