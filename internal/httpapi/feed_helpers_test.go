package httpapi_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
)

// feedEnv is a server plus a raw connection to its database, for rows no
// API writes (finished media tasks, bans, thread flags).
type feedEnv struct{ rawEnv }

func forEachFeedStore(t *testing.T, fn func(t *testing.T, e feedEnv)) {
	t.Helper()
	forEachRawStore(t, func(t *testing.T, r rawEnv) { fn(t, feedEnv{r}) })
}

// member is a new user whose profile row exists.
func (e feedEnv) member() user {
	e.t.Helper()
	u := e.newUser()
	expect(e.t, e.do("GET", "/user/profile", u.Token, nil), 200)
	return u
}

// file stores bytes and registers them as u's file; it returns the id.
func (e feedEnv) file(u user, kind, contentType string, data []byte, prompt string) string {
	e.t.Helper()
	ctx := context.Background()
	id := "gen_" + uuid.NewString()
	key := "users/" + u.ID + "/" + id
	if _, err := e.api.Blobs.Put(ctx, key, bytes.NewReader(data), contentType); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.store.CreateFile(ctx, store.File{ID: id, UserID: u.ID, Kind: kind, Origin: "gen",
		ContentType: contentType, Size: int64(len(data)), StorageKey: key, Prompt: prompt, Width: 64, Height: 64}); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e feedEnv) image(u user, img image.Image, prompt string) string {
	e.t.Helper()
	return e.file(u, "image", "image/png", pngOf(e.t, img), prompt)
}

func pngOf(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// task inserts a media task of u with the given status and files.
func (e feedEnv) task(u user, kind, status, result, thumb, params string) string {
	e.t.Helper()
	id := uuid.NewString()
	ts := time.Now().UnixMicro()
	e.exec(`INSERT INTO media_tasks (id, user_id, message_id, kind, status, provider, prompt, params,
		result_file_id, thumb_file_id, width, height, duration_ms, created_at, updated_at)
		VALUES (?, ?, 'a1', ?, ?, 'local', 'neon rain', ?, ?, ?, 640, 360, 5000, ?, ?)`,
		id, u.ID, kind, status, params, nullIfEmpty(result), nullIfEmpty(thumb), ts, ts)
	return id
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// post inserts a post directly (fast, for paging tests); flags hide it.
func (e feedEnv) post(u user, kind string, flags ...string) store.Feed {
	e.t.Helper()
	id := uuid.NewString()
	f := store.Feed{ID: id, UserID: u.ID, MediaKind: kind, Prompt: "seeded", Flags: flags, PublicKey: "p/" + u.ID + "/" + id + "/original.png"}
	if kind == store.MediaImage {
		f.ImageID, f.OriginImageID = "gen_"+uuid.NewString(), "gen_"+uuid.NewString()
	} else {
		f.TaskID = uuid.NewString()
	}
	f, err := e.store.CreateFeed(context.Background(), f, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// feedJSON is a Feed as clients read it.
type feedJSON struct {
	ID        string
	MediaType *string
	Owner     struct {
		ID, Nickname, Plan string
		AvatarURL          *string
	}
	Image *struct {
		ImageID, URL, ThumbURL, BlurURL, Prompt string
	}
	Video, Audio  map[string]any
	OriginImageID *string
	Prompt        string
	LikedNumber   int
	IsLiked       bool
	CreatedAt     string
	Flag          *[]string
}

type feedPageJSON struct {
	Feeds      []feedJSON
	HasMore    bool
	NextCursor string
}

func (p feedPageJSON) ids() []string {
	out := make([]string, len(p.Feeds))
	for i, f := range p.Feeds {
		out[i] = f.ID
	}
	return out
}

func (e feedEnv) page(path, token string) feedPageJSON {
	e.t.Helper()
	var p feedPageJSON
	expect(e.t, e.do("GET", path, token, nil), 200).json(e.t, &p)
	return p
}

func (e feedEnv) publish(u user, imageID string) feedJSON {
	e.t.Helper()
	var f feedJSON
	expect(e.t, e.do("POST", "/publish/", u.Token, map[string]any{"imageId": imageID}), 200).json(e.t, &f)
	return f
}

// fetch GETs a signed URL the server handed out, through the test server.
func (e feedEnv) fetch(signed string) response {
	e.t.Helper()
	u, err := url.Parse(signed)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do("GET", u.RequestURI(), "", nil)
}

func flagsOf(f feedJSON) string {
	if f.Flag == nil {
		return "<absent>"
	}
	return "[" + strings.Join(*f.Flag, " ") + "]"
}

// scene draws a deterministic picture: a gradient with rectangles.
func scene(seed uint64, w, h int) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, seed*131+3))
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
