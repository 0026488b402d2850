package seed_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/seed"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
	"github.com/kira-art/kira/internal/uimsg"
)

// target is a migrated store the seeder writes to and that reads it back,
// with a plain connection for the checks that count rows in SQL.
type target struct {
	db    *sql.DB
	st    *store.Store
	blobs string
}

func open(t *testing.T, backend string) target {
	t.Helper()
	ctx := context.Background()
	var url, path string
	if backend == "postgres" {
		var err error
		if url, err = storetest.SchemaURL(t); err != nil {
			t.Fatal(err)
		}
	} else {
		path = filepath.Join(t.TempDir(), "kira.db")
	}
	st, err := store.Open(ctx, url, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	driver, dsn := "pgx", url // registered by the store package
	if url == "" {
		driver, dsn = "sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return target{db: db, st: st, blobs: filepath.Join(t.TempDir(), "blobs")}
}

func backends() []string {
	if os.Getenv(storetest.EnvDatabaseURL) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

func (tg target) run(t *testing.T, o seed.Options) (seed.Stats, error) {
	t.Helper()
	b, err := blob.NewLocal(tg.blobs, blob.NewSigner("http://files.test", []byte("0123456789abcdef0123456789abcdef")))
	if err != nil {
		t.Fatal(err)
	}
	return seed.Run(context.Background(), tg.st, b, o)
}

func (tg target) count(t *testing.T, q string) int {
	t.Helper()
	var n int
	if err := tg.db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

var end = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func small(images bool) seed.Options {
	return seed.Options{Users: 8, Posts: 60, ThreadsPerUser: 2, LikesMean: 3, Images: images, PoolSize: 2, Seed: 42, End: end}
}

func TestSeedWritesConsistentData(t *testing.T) {
	t.Parallel()
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			tg := open(t, backend)
			// Rendering media is slow under the race detector, and it does
			// not depend on the database: one backend is enough.
			o := small(backend == "sqlite")
			o.PoolSize = 1
			stats, err := tg.run(t, o)
			if err != nil {
				t.Fatal(err)
			}
			checks := []struct {
				what string
				q    string
				want int
			}{
				{"users", "SELECT COUNT(*) FROM profiles", 8},
				{"posts", "SELECT COUNT(*) FROM feeds", 60},
				{"threads", "SELECT COUNT(*) FROM threads", 16},
				{"likes", "SELECT COUNT(*) FROM likes", stats.Likes},
				{"sum of liked_number", "SELECT COALESCE(SUM(liked_number), 0) FROM feeds", stats.Likes},
				{"posts whose liked_number differs from their likes", `SELECT COUNT(*) FROM feeds f
					WHERE f.liked_number <> (SELECT COUNT(*) FROM likes l WHERE l.feed_id = f.id)`, 0},
				{"likes of hidden posts", "SELECT COUNT(*) FROM likes l JOIN feeds f ON f.id = l.feed_id WHERE NOT f.is_public", 0},
				{"self-likes", "SELECT COUNT(*) FROM likes l JOIN feeds f ON f.id = l.feed_id WHERE l.user_id = f.user_id", 0},
				{"likes before their post", "SELECT COUNT(*) FROM likes l JOIN feeds f ON f.id = l.feed_id WHERE l.created_at < f.created_at", 0},
				{"public posts with flags", "SELECT COUNT(*) FROM feeds WHERE is_public AND flags <> '[]'", 0},
				{"posts without a public copy", "SELECT COUNT(*) FROM feeds WHERE public_key IS NULL", 0},
				{"image posts not in a version of their thread", `SELECT COUNT(*) FROM feeds f WHERE f.media_kind = 'image'
					AND NOT EXISTS (SELECT 1 FROM version_images vi JOIN versions v ON v.id = vi.version_id
					WHERE vi.image_id = f.image_id AND v.thread_id = f.thread_id AND v.message_id = f.message_id)`, 0},
				{"media posts without a completed task and result", `SELECT COUNT(*) FROM feeds f WHERE f.media_kind <> 'image'
					AND NOT EXISTS (SELECT 1 FROM media_tasks mt JOIN files r ON r.id = mt.result_file_id
					JOIN files c ON c.id = mt.thumb_file_id WHERE mt.id = f.task_id AND mt.status = 'completed' AND r.kind = f.media_kind)`, 0},
				{"versions without their assistant message", `SELECT COUNT(*) FROM versions v WHERE NOT EXISTS
					(SELECT 1 FROM messages m WHERE m.thread_id = v.thread_id AND m.id = v.message_id AND m.role = 'assistant')`, 0},
				{"threads whose thumbnail is not theirs", `SELECT COUNT(*) FROM threads t WHERE t.thumb_image_id IS NOT NULL
					AND NOT EXISTS (SELECT 1 FROM version_images vi JOIN versions v ON v.id = vi.version_id
					WHERE vi.image_id = t.thumb_image_id AND v.thread_id = t.id)`, 0},
				{"posts sharing the newest timestamp", "SELECT COUNT(*) FROM feeds WHERE created_at = (SELECT MAX(created_at) FROM feeds)", 1},
				{"videos whose ratio does not match their frames", `SELECT COUNT(*) FROM media_tasks WHERE kind = 'video'
					AND status = 'completed' AND ((width > height AND params NOT LIKE '%"16:9"%')
					OR (width < height AND params NOT LIKE '%"9:16"%') OR (width = height AND params NOT LIKE '%"1:1"%'))`, 0},
				{"rows after --end", fmt.Sprintf(`SELECT (SELECT COUNT(*) FROM feeds WHERE created_at > %[1]d)
					+ (SELECT COUNT(*) FROM likes WHERE created_at > %[1]d) + (SELECT COUNT(*) FROM messages WHERE created_at > %[1]d)`,
					end.UnixMicro()), 0},
			}
			for _, c := range checks {
				if got := tg.count(t, c.q); got != c.want {
					t.Errorf("%s: %d, want %d", c.what, got, c.want)
				}
			}
			if stats.Posts != 60 || stats.Likes == 0 {
				t.Fatalf("stats %+v", stats)
			}
			for _, kind := range []string{"image", "video", "audio"} {
				if n := tg.count(t, "SELECT COUNT(*) FROM feeds WHERE media_kind = '"+kind+"'"); n == 0 {
					t.Errorf("no %s posts", kind)
				}
			}
			if o.Images {
				checkFilesExist(t, tg)
			}
			checkMessagesAreV5(t, tg)
			checkStoreReadsIt(t, tg)
		})
	}
}

// checkFilesExist: every storage key a file row names is on disk.
func checkFilesExist(t *testing.T, tg target) {
	t.Helper()
	rows, err := tg.db.Query("SELECT DISTINCT storage_key FROM files UNION SELECT DISTINCT thumb_key FROM files WHERE thumb_key IS NOT NULL" +
		" UNION SELECT DISTINCT public_key FROM feeds")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(tg.blobs, filepath.FromSlash(key))); err != nil {
			t.Errorf("file row names a missing blob: %v", err)
		}
		n++
	}
	if n < 4 { // an image and its thumbnail, a video, a song
		t.Fatalf("only %d distinct blobs", n)
	}
}

func checkMessagesAreV5(t *testing.T, tg target) {
	t.Helper()
	rows, err := tg.db.Query("SELECT body FROM messages")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			t.Fatal(err)
		}
		m, v4, err := uimsg.Parse([]byte(body))
		if err == nil {
			err = m.Validate()
		}
		if err != nil || v4 {
			t.Fatalf("stored message is not a valid v5 UI message (%v): %s", err, body)
		}
	}
}

// checkStoreReadsIt reads the data back through the store's own queries.
func checkStoreReadsIt(t *testing.T, tg target) {
	t.Helper()
	ctx := context.Background()
	rows, err := tg.st.PublicFeedRows(ctx, "", nil, 0, 20, "")
	if err != nil || len(rows) != 20 {
		t.Fatalf("public feeds: %d, %v", len(rows), err)
	}
	for _, r := range rows {
		if !r.Owner.Found {
			t.Fatalf("post %s without owner", r.ID)
		}
		if r.MediaKind == store.MediaImage && r.Image == nil || r.MediaKind != store.MediaImage && r.Task == nil {
			t.Fatalf("post %s without its file or task", r.ID)
		}
	}
	var userID string
	if err := tg.db.QueryRow("SELECT user_id FROM feeds ORDER BY liked_number DESC, id LIMIT 1").Scan(&userID); err != nil {
		t.Fatal(err)
	}
	tl, err := tg.st.ListTimelines(ctx, userID, nil, 5)
	if err != nil || len(tl.Timelines) == 0 || len(tl.Timelines[0].Items) == 0 {
		t.Fatalf("timelines of a poster: %+v %v", tl, err)
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	t.Parallel()
	digest := func(o seed.Options) string {
		tg := open(t, "sqlite")
		if _, err := tg.run(t, o); err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		for _, q := range []string{"SELECT id || nickname || plan FROM profiles ORDER BY id",
			"SELECT id || media_kind || prompt || flags || liked_number || created_at FROM feeds ORDER BY id",
			"SELECT feed_id || user_id || created_at FROM likes ORDER BY feed_id, user_id",
			"SELECT thread_id || id || body FROM messages ORDER BY thread_id, id"} {
			rows, err := tg.db.Query(q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				h.Write([]byte(s))
			}
			rows.Close()
		}
		return hex.EncodeToString(h.Sum(nil))
	}
	o := small(false)
	a, b := digest(o), digest(o)
	o.Seed++
	c := digest(o)
	if a != b || a == c {
		t.Fatalf("same seed must give the same data, another seed other data: %s %s %s", a[:8], b[:8], c[:8])
	}
}

func TestSeedRefusesTheSameSeedTwice(t *testing.T) {
	t.Parallel()
	tg := open(t, "sqlite")
	if _, err := tg.run(t, small(false)); err != nil {
		t.Fatal(err)
	}
	_, err := tg.run(t, small(false))
	if err == nil || !strings.Contains(err.Error(), "seed-value") {
		t.Fatalf("second run with the same seed: %v", err)
	}
	o := small(false)
	o.Seed = 7 // another seed adds to the same database
	if _, err := tg.run(t, o); err != nil {
		t.Fatal(err)
	}
	if n := tg.count(t, "SELECT COUNT(*) FROM feeds"); n != 120 {
		t.Fatalf("two seeds: %d posts, want 120", n)
	}
}

func TestSeedOptionsValidate(t *testing.T) {
	t.Parallel()
	for _, o := range []seed.Options{{Users: 1}, {Users: 5, Posts: -1}, {Users: 5, ThreadsPerUser: -2}, {Users: 5, LikesMean: -1}} {
		if err := o.Validate(); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
