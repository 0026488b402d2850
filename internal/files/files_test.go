package files

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/imaging"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// holdDecodeSlots takes every decode slot, so anything that tries to
// decode waits (until ctx ends) instead of decoding.
func holdDecodeSlots(s *Service) (release func()) {
	for range cap(s.decodeSlots) {
		s.decodeSlots <- struct{}{}
	}
	return func() {
		for range cap(s.decodeSlots) {
			<-s.decodeSlots
		}
	}
}

// A 7070×7070 16-bit RGBA PNG passes the pixel limit but would decode to
// 400 MB: it is refused with a 413 from its header, without a decode slot
// (all are held here; needing one would end in the deadline instead).
func TestUploadRefusesMemoryBombBeforeDecoding(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	s := newService(t, st, newChecker(), Limits{})
	uid := newUser(t, st)
	defer holdDecodeSlots(s)()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The rest of the file is irrelevant: only the header is read.
	body := io.MultiReader(bytes.NewReader(png16Header(7070, 7070)), io.LimitReader(zeros{}, 389<<10))
	_, err := s.Upload(ctx, uid, body)
	var mem *imaging.MemoryLimitError
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.TooLarge || !errors.As(err, &mem) || mem.BytesPerPixel != 8 || !strings.Contains(e.Message, "7070×7070") {
		t.Fatalf("want a 413 memory refusal, got %v", err)
	}
}

// The bound is memory, not pixels: under a 1 MB limit a 400×400 8-bit
// image (640 KB decoded) is accepted and the same image at 16 bits
// (1.28 MB) refused, both real PNGs.
func TestDecodeBoundIsBytesPerPixel(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	s := newService(t, st, newChecker(), Limits{Decode: imaging.Limits{MaxBytes: 1_000_000}})
	uid := newUser(t, st)
	deep := image.NewNRGBA64(image.Rect(0, 0, 400, 400))
	for i := range 400 {
		deep.SetNRGBA64(i, i, color.NRGBA64{R: uint16(i) * 99, G: 1, B: 2, A: 0x8000})
	}
	if _, err := s.Upload(context.Background(), uid, bytes.NewReader(pngBytes(t, deep))); !errors.As(err, new(*imaging.MemoryLimitError)) {
		t.Fatalf("16-bit 400×400 under 1 MB: %v", err)
	}
	f, err := s.Upload(context.Background(), uid, bytes.NewReader(pngBytes(t, gradient(400, 400, 1))))
	if err != nil || f.Width != 400 || f.ThumbKey == "" {
		t.Fatalf("8-bit 400×400 under 1 MB: %+v %v", f, err)
	}
}

// A check decodes once: its verdict is stored on the file and later
// checks, anonymous or not, answer from it.
func TestCheckStoresTheVerdict(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		mod := newChecker()
		s := newService(t, st, mod, Limits{})
		f, err := s.Upload(ctx, newUser(t, st), bytes.NewReader(pngBytes(t, gradient(300, 200, 3))))
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := s.CheckID(ctx, f.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CheckID(ctx, f.ID, false); err != nil {
			t.Fatal(err)
		}
		if n := mod.images.Load(); n != 1 {
			t.Fatalf("%d image checks for one file, want 1", n)
		}
		row, err := st.GetFile(ctx, f.ID)
		if err != nil || row.Moderation != store.ModerationClear || row.ModeratedAt.IsZero() {
			t.Fatalf("verdict not stored: %+v %v", row, err)
		}
		if err := s.Check(ctx, row); err != nil || mod.images.Load() != 1 {
			t.Fatalf("Check of a checked file decoded again: %v", err)
		}
	})
}

// Anonymous checks share one decode at a time (503 busy past it); a
// signed-in caller's check still runs.
func TestAnonymousChecksShareABudget(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	ctx := context.Background()
	mod := newChecker()
	s := newService(t, st, mod, Limits{})
	uid := newUser(t, st)
	var ids []string
	for i := range 3 {
		f, err := s.Upload(ctx, uid, bytes.NewReader(pngBytes(t, gradient(64, 64, uint8(i+1)))))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
	}
	mod.entered, mod.block = make(chan struct{}, 8), make(chan struct{})
	first := make(chan error, 1)
	go func() { first <- s.CheckID(ctx, ids[0], true) }()
	<-mod.entered // the first anonymous check is deciding
	if err := s.CheckID(ctx, ids[1], true); !errors.Is(err, ErrChecksBusy) {
		t.Fatalf("second anonymous check: %v", err)
	}
	signed := make(chan error, 1)
	go func() { signed <- s.CheckID(ctx, ids[2], false) }()
	<-mod.entered // not refused: it reached the checker
	close(mod.block)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-signed; err != nil {
		t.Fatal(err)
	}
	if err := s.CheckID(ctx, ids[1], true); err != nil {
		t.Fatalf("anonymous check once the budget is free: %v", err)
	}
}

// At most UploadSlots uploads are in flight; past that (after UploadWait)
// an upload is refused with a 503 before its body is read.
func TestUploadsInFlightAreCapped(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	ctx := context.Background()
	s := newService(t, st, newChecker(), Limits{UploadSlots: 1, UploadWait: -1})
	uid := newUser(t, st)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { _, err := s.Upload(ctx, uid, pr); done <- err }()
	data := pngBytes(t, gradient(50, 50, 9))
	if _, err := pw.Write(data[:100]); err != nil { // returns once the upload is reading
		t.Fatal(err)
	}
	second := &countingReader{r: bytes.NewReader(data)}
	if _, err := s.Upload(ctx, uid, second); !errors.Is(err, ErrUploadsBusy) || second.n != 0 {
		t.Fatalf("upload past the cap: %v (read %d bytes)", err, second.n)
	}
	pw.Write(data[100:]) //nolint:errcheck // checked through done
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Upload(ctx, uid, bytes.NewReader(data)); err != nil {
		t.Fatalf("upload once a slot is free: %v", err)
	}
}

// A CSAM hit deletes the file and the public copies of its posts (those
// would keep serving it); an ordinary delete keeps the posts' copies.
func TestCSAMHitDeletesPublicCopies(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	ctx := context.Background()
	s := newService(t, st, newChecker(rings()), Limits{})
	uid := newUser(t, st)
	post := func(f store.File) string {
		feedID := "00000000-0000-4000-8000-" + f.ID[len(f.ID)-12:]
		key := blob.PublicFileKey(uid, feedID, "original.png")
		if err := s.Blobs.Copy(ctx, f.StorageKey, key); err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateFeed(ctx, store.Feed{ID: feedID, UserID: uid, MediaKind: store.MediaImage, ImageID: f.ID,
			OriginImageID: f.ID, PublicKey: key}, f.ID); err != nil {
			t.Fatal(err)
		}
		return key
	}
	exists := func(key string) bool {
		rc, err := s.Blobs.Open(ctx, key)
		if err == nil {
			rc.Close()
		}
		return err == nil
	}
	bad, err := s.Upload(ctx, uid, bytes.NewReader(pngBytes(t, rings())))
	if err != nil {
		t.Fatal(err)
	}
	badCopy := post(bad)
	if err := s.CheckID(ctx, bad.ID, true); !errors.Is(err, ErrCSAMBlocked) {
		t.Fatalf("check of listed content: %v", err)
	}
	if exists(badCopy) || exists(bad.StorageKey) || exists(bad.ThumbKey) {
		t.Fatal("a CSAM hit left bytes behind")
	}

	fine, err := s.Upload(ctx, uid, bytes.NewReader(pngBytes(t, gradient(80, 60, 5))))
	if err != nil {
		t.Fatal(err)
	}
	fineCopy := post(fine)
	if err := s.Delete(ctx, uid, fine.ID); err != nil {
		t.Fatal(err)
	}
	if !exists(fineCopy) || exists(fine.StorageKey) {
		t.Fatal("deleting an image must remove its objects and keep its post's copy")
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
