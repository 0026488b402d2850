package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
)

// countingConnector opens driver connections that count the queries they
// run, so a test can prove a read path costs a fixed number of round trips.
type countingConnector struct {
	dsn string
	drv driver.Driver
	n   *atomic.Int64
}

func (c countingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return countingConn{Conn: conn, n: c.n}, nil
}

func (c countingConnector) Driver() driver.Driver { return c.drv }

type countingConn struct {
	driver.Conn
	n *atomic.Int64
}

func (c countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.n.Add(1)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

// TestListTimelinesRunsFourQueriesWhateverTheSize proves the absence of
// N+1 queries: one thread with one version, and five threads with three
// versions, images and tasks each, cost the same number of queries.
func TestListTimelinesRunsFourQueriesWhateverTheSize(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kira.db")
	s, err := openSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var queries atomic.Int64
	counted := sql.OpenDB(countingConnector{dsn: "file:" + path + sqlitePragmas, drv: s.read.Driver(), n: &queries})
	defer counted.Close()
	s.read = counted

	build := func(threads, versions int) string {
		p, _, err := s.EnsureProfile(ctx, uuid.NewString(), "")
		if err != nil {
			t.Fatal(err)
		}
		for i := range threads {
			th, err := s.CreateThread(ctx, Thread{ID: uuid.NewString(), UserID: p.ID, Title: "t"},
				Message{ID: "u", Role: "user", Body: []byte(`{}`)})
			if err != nil {
				t.Fatal(err)
			}
			for j := range versions {
				var imgs []VersionImage
				for k := range 3 {
					f, err := s.CreateFile(ctx, File{ID: fmt.Sprintf("gen_%d_%d_%d_%s", i, j, k, uuid.NewString()), UserID: p.ID,
						Kind: "image", Origin: "gen", ContentType: "image/png", StorageKey: "k"})
					if err != nil {
						t.Fatal(err)
					}
					imgs = append(imgs, VersionImage{ImageID: f.ID})
				}
				result, err := s.CreateFile(ctx, File{ID: "gen_" + uuid.NewString(), UserID: p.ID, Kind: "video",
					Origin: "gen", ContentType: "video/mp4", StorageKey: "v"})
				if err != nil {
					t.Fatal(err)
				}
				msg := Message{ThreadID: th.ID, UserID: p.ID, ID: fmt.Sprint("a", j), Role: "assistant", Body: []byte(`{}`)}
				v, err := s.SaveMessage(ctx, msg, imgs)
				if err != nil {
					t.Fatal(err)
				}
				err = s.inTx(ctx, func(c conn) error {
					return insertTask(ctx, c, MediaTask{ID: uuid.NewString(), UserID: p.ID, ThreadID: th.ID, VersionID: v.ID,
						Kind: "video", Status: "completed", Provider: "local", CreatedAt: now(), UpdatedAt: now()})
				})
				if err == nil {
					_, err = s.write.ExecContext(ctx, "UPDATE media_tasks SET result_file_id = ? WHERE version_id = ?", result.ID, v.ID)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		return p.ID
	}
	count := func(userID string, wantThreads, wantItems int) int64 {
		queries.Store(0)
		page, err := s.ListTimelines(ctx, userID, nil, 5)
		if err != nil {
			t.Fatal(err)
		}
		items := 0
		for _, tl := range page.Timelines {
			items += len(tl.Items)
		}
		if len(page.Timelines) != wantThreads || items != wantItems {
			t.Fatalf("page has %d threads and %d items, want %d and %d", len(page.Timelines), items, wantThreads, wantItems)
		}
		return queries.Load()
	}
	small := count(build(1, 1), 1, 4)
	large := count(build(6, 3), 5, 5*3*4)
	if small != 4 || large != 4 {
		t.Fatalf("queries per page: %d for 1 thread, %d for 5 threads × 3 versions; want 4 each", small, large)
	}
}
