package publish_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/embed"
	"github.com/kira-art/kira/internal/files"
	"github.com/kira-art/kira/internal/moderation"
	"github.com/kira-art/kira/internal/publish"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// fixture is a publish service over a real store, a real local blob store,
// the local checker, embedder and brute-force index, plus a raw database
// handle for rows no store method writes yet (finished tasks, bans).
type fixture struct {
	t     *testing.T
	st    *store.Store
	raw   *sql.DB
	blobs *blob.Local
	svc   *publish.Service
}

// blockedImage is the picture whose hash the test checker lists as CSAM.
var blockedImage = scene(424242, 300, 300)

func forEachStore(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	backends := []string{"sqlite"}
	if os.Getenv(storetest.EnvDatabaseURL) != "" {
		backends = append(backends, "postgres")
	}
	for _, name := range backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newFixture(t, name))
		})
	}
}

func newFixture(t *testing.T, backend string) *fixture {
	ctx := context.Background()
	var dbURL, path, driver, dsn string
	if backend == "postgres" {
		var err error
		if dbURL, err = storetest.SchemaURL(t); err != nil {
			t.Fatal(err)
		}
		driver, dsn = "pgx", dbURL
	} else {
		path = filepath.Join(t.TempDir(), "kira.db")
		driver, dsn = "sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"
	}
	st, err := store.Open(ctx, dbURL, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	blobs, err := blob.NewLocal(filepath.Join(t.TempDir(), "blobs"), blob.NewSigner("http://files.test", []byte("0123456789abcdef0123456789abcdef")))
	if err != nil {
		t.Fatal(err)
	}
	checker := moderation.NewLocal(moderation.Lists{ImageHashes: []uint64{moderation.PHash(blockedImage)},
		BlockedTerms: []string{"forbidden phrase"}, NSFWTerms: []string{"nude"}}, moderation.DefaultMaxDistance)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := &publish.Service{Store: st, Blobs: blobs, Checker: checker, Embedder: embed.NewLocal(),
		Files: files.New(st, blobs, checker, log, files.Limits{}), Index: embed.NewStoreIndex(st), Log: log}
	return &fixture{t: t, st: st, raw: raw, blobs: blobs, svc: svc}
}

// exec runs a statement written with ? placeholders on either dialect.
func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if f.st.Dialect() == store.Postgres {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	if _, err := f.raw.Exec(q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) user() string {
	f.t.Helper()
	id := uuid.NewString()
	if _, _, err := f.st.EnsureProfile(context.Background(), id, "u@example.com"); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// file stores bytes and registers them as a file of userID.
func (f *fixture) file(userID, kind, contentType string, data []byte, prompt string) store.File {
	f.t.Helper()
	ctx := context.Background()
	id := "gen_" + uuid.NewString()
	key := "users/" + userID + "/" + id
	if _, err := f.blobs.Put(ctx, key, bytes.NewReader(data), contentType); err != nil {
		f.t.Fatal(err)
	}
	file, err := f.st.CreateFile(ctx, store.File{ID: id, UserID: userID, Kind: kind, Origin: "gen",
		ContentType: contentType, Size: int64(len(data)), StorageKey: key, Prompt: prompt})
	if err != nil {
		f.t.Fatal(err)
	}
	return file
}

func (f *fixture) image(userID string, img image.Image, prompt string) store.File {
	f.t.Helper()
	return f.file(userID, "image", "image/png", pngBytes(f.t, img), prompt)
}

// task inserts a media task with the given status and files.
func (f *fixture) task(userID, kind, status, result, thumb, params string) string {
	f.t.Helper()
	id := uuid.NewString()
	ts := time.Now().UnixMicro()
	f.exec(`INSERT INTO media_tasks (id, user_id, message_id, kind, status, provider, prompt, params,
		result_file_id, thumb_file_id, created_at, updated_at) VALUES (?, ?, 'a1', ?, ?, 'local', 'neon rain', ?, ?, ?, ?, ?)`,
		id, userID, kind, status, params, nullable(result), nullable(thumb), ts, ts)
	return id
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (f *fixture) blob(key string) []byte {
	f.t.Helper()
	r, err := f.blobs.Open(context.Background(), key)
	if err != nil {
		f.t.Fatalf("open %s: %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func pngBytes(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegBytes(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 70}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// scene draws a deterministic picture: a gradient with rectangles.
func scene(seed uint64, w, h int) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, seed*31+7))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	c1 := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{c1.R, uint8(int(c1.G) * (h - y) / h), uint8((int(c1.B) + x*255/w) / 2), 255})
		}
	}
	for range 8 {
		c := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
		x0, y0 := rng.IntN(w), rng.IntN(h)
		draw.Draw(img, image.Rect(x0, y0, x0+w/8+rng.IntN(w/3), y0+h/8+rng.IntN(h/3)), &image.Uniform{c}, image.Point{}, draw.Src)
	}
	return img
}
