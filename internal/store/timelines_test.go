package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// eachWithRaw runs fn per backend with a migrated store and a second, raw
// connection to the same database. The raw side writes what no store method
// writes yet (completed media tasks, chosen timestamps).
func eachWithRaw(t *testing.T, fn func(t *testing.T, s *store.Store, raw *sql.DB, d store.Dialect)) {
	t.Helper()
	backends := []string{"sqlite"}
	if os.Getenv(storetest.EnvDatabaseURL) != "" {
		backends = append(backends, "postgres")
	}
	for _, name := range backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			var url, path, driver, dsn string
			if name == "postgres" {
				var err error
				if url, err = storetest.SchemaURL(t); err != nil {
					t.Fatal(err)
				}
				driver, dsn = "pgx", url
			} else {
				path = filepath.Join(t.TempDir(), "kira.db")
				driver, dsn = "sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"
			}
			s, err := store.Open(ctx, url, path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { raw.Close() })
			fn(t, s, raw, s.Dialect())
		})
	}
}

// rawExec runs one statement written with ? placeholders on either dialect.
func rawExec(t *testing.T, raw *sql.DB, d store.Dialect, q string, args ...any) {
	t.Helper()
	if d == store.Postgres {
		n := 0
		out := make([]byte, 0, len(q))
		for i := 0; i < len(q); i++ {
			if q[i] == '?' {
				n++
				out = append(out, fmt.Sprintf("$%d", n)...)
				continue
			}
			out = append(out, q[i])
		}
		q = string(out)
	}
	if _, err := raw.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// timelineFixture builds threads, versions, files and tasks for one user.
type timelineFixture struct {
	t   *testing.T
	s   *store.Store
	raw *sql.DB
	d   store.Dialect
	ctx context.Context
	uid string
}

func (f timelineFixture) thread(title string) string {
	f.t.Helper()
	th, err := f.s.CreateThread(f.ctx, store.Thread{ID: uuid.NewString(), UserID: f.uid, Title: title}, userMessage("u-"+title, title))
	if err != nil {
		f.t.Fatal(err)
	}
	return th.ID
}

func (f timelineFixture) file(kind string) string {
	f.t.Helper()
	id := "gen_" + uuid.NewString()
	if _, err := f.s.CreateFile(f.ctx, store.File{ID: id, UserID: f.uid, Kind: kind, Origin: "gen",
		ContentType: map[string]string{"image": "image/png", "video": "video/mp4", "audio": "audio/wav"}[kind],
		StorageKey:  "seed/" + id, Width: 64, Height: 64}); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// version saves an assistant message with images and returns the version id.
func (f timelineFixture) version(threadID, msgID string, imageIDs ...string) string {
	f.t.Helper()
	imgs := make([]store.VersionImage, len(imageIDs))
	for i, id := range imageIDs {
		imgs[i] = store.VersionImage{ImageID: id, Data: []byte(`{"imageId":"` + id + `","prompt":"p"}`)}
	}
	m := store.Message{ThreadID: threadID, UserID: f.uid, ID: msgID, Role: "assistant",
		Body: []byte(`{"id":"` + msgID + `","role":"assistant","parts":[]}`)}
	v, err := f.s.SaveMessage(f.ctx, m, imgs)
	if err != nil || v == nil {
		f.t.Fatalf("save version: %v", err)
	}
	return v.ID
}

// task inserts a media task of a version; result and thumb may be empty.
func (f timelineFixture) task(threadID, versionID, kind, status, result, thumb string) string {
	f.t.Helper()
	id := uuid.NewString()
	ts := time.Now().UnixMicro()
	rawExec(f.t, f.raw, f.d, `INSERT INTO media_tasks (id, user_id, thread_id, version_id, message_id, kind, status,
		provider, prompt, params, result_file_id, thumb_file_id, width, height, duration_ms, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'm', ?, ?, 'local', 'a prompt', '{"duration":5,"ratio":"16:9"}', ?, ?, 64, 64, 5000, ?, ?)`,
		id, f.uid, threadID, versionID, kind, status, nullable(result), nullable(thumb), ts, ts)
	return id
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// itemIDs names a timeline's items as kind:id for comparisons.
func itemIDs(items []store.TimelineItem) []string {
	var out []string
	for _, it := range items {
		if it.Kind == "image" {
			out = append(out, "image:"+it.Image.ImageID)
		} else {
			out = append(out, it.Kind+":"+it.Task.ID)
		}
	}
	return out
}

func TestListTimelinesMediaNewestFirstDedupedCompletedOnly(t *testing.T) {
	t.Parallel()
	eachWithRaw(t, func(t *testing.T, s *store.Store, raw *sql.DB, d store.Dialect) {
		ctx := context.Background()
		f := timelineFixture{t: t, s: s, raw: raw, d: d, ctx: ctx, uid: newUser(t, s).ID}
		other := timelineFixture{t: t, s: s, raw: raw, d: d, ctx: ctx, uid: newUser(t, s).ID}
		other.version(other.thread("not mine"), "a1", other.file("image"))

		a := f.thread("fox")
		img1, img2, img3 := f.file("image"), f.file("image"), f.file("image")
		v1 := f.version(a, "a1", img1, img2)
		audio := f.task(a, v1, "audio", "completed", f.file("audio"), f.file("image"))
		f.task(a, v1, "video", "failed", "", "")
		v2 := f.version(a, "a2", img2, "gen_never_registered", img3) // img2 again: shown once
		video := f.task(a, v2, "video", "completed", f.file("video"), f.file("image"))
		f.task(a, v2, "audio", "pending", "", "")
		f.task(a, v2, "video", "completed", "gen_deleted_result", "") // result file gone
		f.task(a, v2, "video", "processing", f.file("video"), "")
		empty := f.thread("just talk")

		page, err := s.ListTimelines(ctx, f.uid, nil, 5)
		if err != nil {
			t.Fatal(err)
		}
		if page.HasMore || len(page.Timelines) != 2 {
			t.Fatalf("want 2 timelines without more, got %d hasMore=%v", len(page.Timelines), page.HasMore)
		}
		if page.Timelines[0].Thread.ID != empty || len(page.Timelines[0].Items) != 0 {
			t.Fatalf("newest thread first with no media: %+v", page.Timelines[0])
		}
		got := itemIDs(page.Timelines[1].Items)
		want := []string{"image:" + img2, "image:" + img3, "video:" + video, "image:" + img1, "audio:" + audio}
		if !slices.Equal(got, want) {
			t.Fatalf("items\n got %v\nwant %v", got, want)
		}
		for _, it := range page.Timelines[1].Items {
			switch {
			case it.Kind == "image" && (it.Image.File == nil || it.Image.File.StorageKey == "" || string(it.Image.Data) == ""):
				t.Fatalf("image without registry row or data: %+v", it.Image)
			case it.Kind != "image" && (it.Result == nil || it.Thumb == nil || it.Result.ID != it.Task.ResultFileID):
				t.Fatalf("task without its files: %+v", it)
			}
		}
		if page.Timelines[1].Items[0].VersionID != v2 || page.Timelines[1].Items[3].VersionID != v1 {
			t.Fatalf("items carry the wrong version ids")
		}
	})
}

func TestListTimelinesCursorNeverSplitsAMillisecond(t *testing.T) {
	t.Parallel()
	eachWithRaw(t, func(t *testing.T, s *store.Store, raw *sql.DB, d store.Dialect) {
		ctx := context.Background()
		f := timelineFixture{t: t, s: s, raw: raw, d: d, ctx: ctx, uid: newUser(t, s).ID}
		// Eight threads, newest first; the 5th and 6th share one millisecond,
		// so a page of 5 must stop after the 4th.
		base := time.Date(2026, 11, 27, 5, 31, 56, 0, time.UTC).UnixMicro()
		offsets := []int64{9000, 8000, 7000, 6000, 5700, 5200, 3000, 3000 - 1000}
		var ids []string
		for i, off := range offsets {
			id := f.thread(fmt.Sprint("t", i))
			rawExec(t, raw, d, "UPDATE threads SET created_at = ? WHERE id = ?", base+off, id)
			ids = append(ids, id)
		}
		var seen []string
		var before *time.Time
		var sizes []int
		for range 5 {
			page, err := s.ListTimelines(ctx, f.uid, before, 5)
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(page.Timelines))
			for _, tl := range page.Timelines {
				seen = append(seen, tl.Thread.ID)
			}
			if !page.HasMore {
				break
			}
			// What a client does: send back the createdAt it was shown (ms).
			last := page.Timelines[len(page.Timelines)-1].Thread.CreatedAt.Truncate(time.Millisecond)
			before = &last
		}
		if !slices.Equal(seen, ids) || !slices.Equal(sizes, []int{4, 4}) {
			t.Fatalf("pages %v\n got %v\nwant %v", sizes, seen, ids)
		}
		far := time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)
		if page, err := s.ListTimelines(ctx, f.uid, &far, 5); err != nil || len(page.Timelines) != 0 || page.HasMore {
			t.Fatalf("cursor before every thread: %+v %v", page, err)
		}
	})
}
