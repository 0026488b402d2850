package files

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"io"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/content"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/imaging"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
	"github.com/kira-art/kira/internal/watermark"
)

// downloadService is a files service that marks downloads with the
// shipped logo (ffmpeg as found on PATH).
func downloadService(t *testing.T, st *store.Store) *Service {
	t.Helper()
	s := newService(t, st, newChecker(), Limits{})
	w, err := NewWatermarking(content.WatermarkLogo(), t.TempDir(), 2, 50*time.Millisecond, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	s.Watermark = w
	return s
}

// setPlan gives uid a plan and a profile watermark preference.
func setPlan(t *testing.T, st *store.Store, uid, plan string, mark bool) {
	t.Helper()
	ctx := context.Background()
	if err := st.SetPlan(ctx, uid, plan); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateProfile(ctx, uid, store.ProfilePatch{Watermark: &mark}); err != nil {
		t.Fatal(err)
	}
}

func uploadImage(t *testing.T, s *Service, uid string, img image.Image) store.File {
	t.Helper()
	f, err := s.Upload(context.Background(), uid, bytes.NewReader(pngBytes(t, img)))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// readObject reads the object behind key, decoding it when it is an image.
func readObject(t *testing.T, s *Service, key string) []byte {
	t.Helper()
	rc, err := s.Blobs.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantURL fails unless d is the signed URL of key.
func wantURL(t *testing.T, s *Service, d Download, key string, marked bool) {
	t.Helper()
	if d.URL != s.Blobs.URL(key) || d.Watermarked != marked {
		t.Fatalf("download %+v, want the URL of %s with watermarked=%v", d, key, marked)
	}
}

// publishPost makes a post of media (an image id, or a task id for a
// video) with a public copy; flags hide it.
func publishPost(t *testing.T, s *Service, owner string, src store.File, taskID string, flags ...string) string {
	t.Helper()
	ctx := context.Background()
	key := blob.PublicFileKey(owner, src.ID, "original"+path.Ext(src.StorageKey))
	if err := s.Blobs.Copy(ctx, src.StorageKey, key); err != nil {
		t.Fatal(err)
	}
	f := store.Feed{ID: uuid.NewString(), UserID: owner, MediaKind: store.MediaImage, ImageID: src.ID, PublicKey: key, Flags: flags}
	if taskID != "" {
		f.MediaKind, f.ImageID, f.TaskID = store.MediaVideo, "", taskID
	}
	if _, err := s.Store.CreateFeed(ctx, f, src.ID); err != nil {
		t.Fatal(err)
	}
	return key
}

// meanDiff is the mean absolute channel difference of a and b over r.
func meanDiff(a, b image.Image, r image.Rectangle) float64 {
	sum := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			p, q := color.RGBAModel.Convert(a.At(x, y)).(color.RGBA), color.RGBAModel.Convert(b.At(x, y)).(color.RGBA)
			sum += absDiff(p.R, q.R) + absDiff(p.G, q.G) + absDiff(p.B, q.B) + absDiff(p.A, q.A)
		}
	}
	return float64(sum) / float64(4*r.Dx()*r.Dy())
}

func absDiff(a, b uint8) int { return max(int(a)-int(b), int(b)-int(a)) }

// outsideMark lists rectangles covering img minus the mark grown by pad
// (JPEG blocks near the mark carry some of it).
func outsideMark(size image.Point, mark image.Rectangle, pad int) []image.Rectangle {
	m := mark.Inset(-pad).Intersect(image.Rect(0, 0, size.X, size.Y))
	return []image.Rectangle{image.Rect(0, 0, size.X, m.Min.Y), image.Rect(0, m.Min.Y, m.Min.X, size.Y)}
}

func TestDownloadImageMarksForFreeUsersOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := downloadService(t, st)
		uid := newUser(t, st)
		src := gradient(320, 240, 3)
		f := uploadImage(t, s, uid, src)

		d, err := s.DownloadImage(ctx, uid, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		row, _ := st.GetFile(ctx, f.ID)
		if want := blob.FileKey(uid, f.ID, "watermark.jpg"); row.WatermarkKey != want {
			t.Fatalf("watermark_key %q, want %q", row.WatermarkKey, want)
		}
		wantURL(t, s, d, row.WatermarkKey, true)
		got, format, err := imaging.Decode(readObject(t, s, row.WatermarkKey), 1<<24)
		if err != nil || format != "jpeg" || got.Bounds() != src.Bounds() {
			t.Fatalf("derivative: %v %s %v", err, format, got.Bounds())
		}
		mark := watermark.MarkRect(src.Bounds().Size(), s.Watermark.Logo.Bounds().Size())
		if dm := meanDiff(src, got, mark); dm < 10 {
			t.Errorf("mean difference %.1f in the mark %v: no mark", dm, mark)
		}
		for _, r := range outsideMark(src.Bounds().Size(), mark, 8) {
			if df := meanDiff(src, got, r); df > 2 {
				t.Errorf("mean difference %.1f outside the mark in %v", df, r)
			}
		}

		// Cached: the second download neither encodes nor stores again.
		if _, err := s.Blobs.Put(ctx, row.WatermarkKey, strings.NewReader("sentinel"), "image/jpeg"); err != nil {
			t.Fatal(err)
		}
		again, err := s.DownloadImage(ctx, uid, f.ID)
		if err != nil || again != d || string(readObject(t, s, row.WatermarkKey)) != "sentinel" {
			t.Fatalf("second download %+v %v re-made the copy", again, err)
		}
	})
}

// A picture with transparency keeps it: the copy is a PNG, identical to
// the original outside the mark.
func TestDownloadImageWithAlphaIsPNG(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	ctx := context.Background()
	s := downloadService(t, st)
	uid := newUser(t, st)
	src := image.NewNRGBA(image.Rect(0, 0, 100, 80))
	for y := range 80 {
		for x := range 100 {
			src.SetNRGBA(x, y, color.NRGBA{uint8(x * 2), uint8(y * 3), 90, uint8(255 - x)})
		}
	}
	f := uploadImage(t, s, uid, src)
	d, err := s.DownloadImage(ctx, uid, f.ID)
	if err != nil || !d.Watermarked || !strings.HasSuffix(d.URL[:strings.Index(d.URL+"?", "?")], "watermark.png") {
		t.Fatalf("download %+v %v, want watermark.png", d, err)
	}
	got, _, err := imaging.Decode(readObject(t, s, blob.FileKey(uid, f.ID, "watermark.png")), 1<<24)
	if err != nil {
		t.Fatal(err)
	}
	mark := watermark.MarkRect(src.Bounds().Size(), s.Watermark.Logo.Bounds().Size())
	for _, r := range outsideMark(src.Bounds().Size(), mark, 0) {
		if df := meanDiff(src, got, r); df > 0.5 {
			t.Errorf("mean difference %.2f outside the mark in %v", df, r)
		}
	}
	if meanDiff(src, got, mark) < 5 {
		t.Error("no mark")
	}
}

func TestDownloadImageFollowsPlanAndProfile(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := downloadService(t, st)
		uid := newUser(t, st)
		f := uploadImage(t, s, uid, gradient(64, 64, 1))

		setPlan(t, st, uid, "pro", false)
		d, err := s.DownloadImage(ctx, uid, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantURL(t, s, d, f.StorageKey, false)
		if row, _ := st.GetFile(ctx, f.ID); row.WatermarkKey != "" {
			t.Fatalf("an unmarked download made a copy: %q", row.WatermarkKey)
		}

		setPlan(t, st, uid, "pro", true)
		if d, err = s.DownloadImage(ctx, uid, f.ID); err != nil {
			t.Fatal(err)
		}
		wantURL(t, s, d, blob.FileKey(uid, f.ID, "watermark.jpg"), true)
	})
}

func TestDownloadImageAccess(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := downloadService(t, st)
		owner, other := newUser(t, st), newUser(t, st)
		private := uploadImage(t, s, owner, gradient(40, 40, 2))
		hidden := uploadImage(t, s, owner, gradient(40, 40, 4))
		posted := uploadImage(t, s, owner, gradient(40, 40, 5))
		publishPost(t, s, owner, hidden, "", store.FlagNSFW)
		publicKey := publishPost(t, s, owner, posted, "")

		for name, id := range map[string]string{"private": private.ID, "hidden post": hidden.ID, "unknown": "img_" + uuid.NewString()} {
			if _, err := s.DownloadImage(ctx, other, id); !errors.Is(err, ErrNoImage) {
				t.Errorf("%s: %v, want ErrNoImage", name, err)
			}
		}
		// A public post's image: marked for a free viewer, cached on the
		// owner's file row; the post's public copy for a paying one.
		d, err := s.DownloadImage(ctx, other, posted.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantURL(t, s, d, blob.FileKey(owner, posted.ID, "watermark.jpg"), true)
		if row, _ := st.GetFile(ctx, posted.ID); row.WatermarkKey != blob.FileKey(owner, posted.ID, "watermark.jpg") {
			t.Errorf("watermark_key %q", row.WatermarkKey)
		}
		setPlan(t, st, other, "max", false)
		if d, err = s.DownloadImage(ctx, other, posted.ID); err != nil {
			t.Fatal(err)
		}
		wantURL(t, s, d, publicKey, false)
	})
}

// Concurrent first downloads agree on one copy, recorded once.
func TestDownloadImageConcurrentFirstRequests(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := downloadService(t, st)
		uid := newUser(t, st)
		f := uploadImage(t, s, uid, gradient(200, 120, 6))
		var wg sync.WaitGroup
		urls := make([]string, 6)
		for i := range urls {
			wg.Go(func() {
				d, err := s.DownloadImage(ctx, uid, f.ID)
				if err != nil {
					t.Error(err)
				}
				urls[i] = d.URL
			})
		}
		wg.Wait()
		row, _ := st.GetFile(ctx, f.ID)
		for _, u := range urls {
			if u != s.Blobs.URL(row.WatermarkKey) {
				t.Fatalf("urls %v, row key %q", urls, row.WatermarkKey)
			}
		}
	})
}

// The row claims the first copy; a second claim neither replaces it nor
// leaves its own object behind.
func TestClaimKeepsTheFirstCopy(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	ctx := context.Background()
	s := downloadService(t, st)
	uid := newUser(t, st)
	f := uploadImage(t, s, uid, gradient(30, 30, 7))
	first, second := blob.FileKey(uid, f.ID, "watermark.jpg"), blob.FileKey(uid, f.ID, "watermark.png")
	for _, k := range []string{first, second} {
		if _, err := s.Blobs.Put(ctx, k, strings.NewReader("x"), "image/png"); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.claim(ctx, f, first, ErrNoImage); err != nil || got != first {
		t.Fatalf("first claim %q %v", got, err)
	}
	if got, err := s.claim(ctx, f, second, ErrNoImage); err != nil || got != first {
		t.Fatalf("second claim %q %v", got, err)
	}
	if _, err := s.Blobs.Open(ctx, second); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("the losing copy remains: %v", err)
	}
	// The file deleted meanwhile: the copy goes, the download is 404.
	if _, err := st.DeleteFile(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.claim(ctx, f, first, ErrNoImage); !errors.Is(err, ErrNoImage) {
		t.Errorf("claim on a deleted file: %v", err)
	}
	if _, err := s.Blobs.Open(ctx, first); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("the copy of a deleted file remains: %v", err)
	}
}

func TestDeletingAnImageRemovesItsWatermark(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := downloadService(t, st)
		uid := newUser(t, st)
		f := uploadImage(t, s, uid, gradient(50, 50, 8))
		if _, err := s.DownloadImage(ctx, uid, f.ID); err != nil {
			t.Fatal(err)
		}
		key := blob.FileKey(uid, f.ID, "watermark.jpg")
		readObject(t, s, key)
		if err := s.Delete(ctx, uid, f.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Blobs.Open(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("watermark copy after delete: %v", err)
		}
		if _, err := s.DownloadImage(ctx, uid, f.ID); !errors.Is(err, ErrNoImage) {
			t.Errorf("download after delete: %v", err)
		}
	})
}

// Bytes no decoder accepts are 422 invalid_media, not a 500.
func TestDownloadImageUndecodable(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	ctx := context.Background()
	s := downloadService(t, st)
	uid := newUser(t, st)
	f := uploadImage(t, s, uid, gradient(50, 50, 9))
	raw := readObject(t, s, f.StorageKey)
	if _, err := s.Blobs.Put(ctx, f.StorageKey, bytes.NewReader(raw[:len(raw)/2]), "image/png"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DownloadImage(ctx, uid, f.ID); !errors.Is(err, ErrInvalidMedia) {
		t.Fatalf("broken image: %v, want ErrInvalidMedia", err)
	}
	if row, _ := st.GetFile(ctx, f.ID); row.WatermarkKey != "" {
		t.Errorf("watermark_key %q recorded for a failed run", row.WatermarkKey)
	}
}
