package files

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/moderation"
	"github.com/kira-art/kira/internal/store"
)

// newService is a files service over st and a local blob store.
func newService(t *testing.T, st *store.Store, mod moderation.Checker, lim Limits) *Service {
	t.Helper()
	dir := t.TempDir()
	blobs, err := blob.NewLocal(filepath.Join(dir, "blobs"), blob.NewSigner("http://files.test", []byte("0123456789abcdef")))
	if err != nil {
		t.Fatal(err)
	}
	lim.TempDir = dir
	return New(st, blobs, mod, slog.New(slog.NewTextHandler(io.Discard, nil)), lim)
}

func newUser(t *testing.T, st *store.Store) string {
	t.Helper()
	p, _, err := st.EnsureProfile(context.Background(), uuid.NewString(), "")
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// countingChecker counts image checks; block (when set) is entered by
// every check and must be closed to let it finish.
type countingChecker struct {
	*moderation.Local
	images  atomic.Int64
	entered chan struct{}
	block   chan struct{}
}

func newChecker(blocked ...image.Image) *countingChecker {
	var hashes []uint64
	for _, img := range blocked {
		hashes = append(hashes, moderation.PHash(img))
	}
	return &countingChecker{Local: moderation.NewLocal(moderation.Lists{ImageHashes: hashes}, moderation.DefaultMaxDistance)}
}

func (c *countingChecker) CheckImage(ctx context.Context, img image.Image) (moderation.Verdict, error) {
	c.images.Add(1)
	if c.block != nil {
		c.entered <- struct{}{}
		<-c.block
	}
	return c.Local.CheckImage(ctx, img)
}

// gradient is an ordinary opaque image; seed varies it.
func gradient(w, h int, seed uint8) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{uint8(x) + seed, uint8(y) * seed, 100, 255})
		}
	}
	return img
}

// rings stands in for listed content.
func rings() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 120, 90))
	for y := range 90 {
		for x := range 120 {
			dx, dy := x-40, y-50
			v := uint8(30)
			if (dx*dx+dy*dy)/150%2 == 0 {
				v = 230
			}
			img.SetRGBA(x, y, color.RGBA{v, 255 - v, 90, 255})
		}
	}
	return img
}

func pngBytes(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// png16Header is the start of a w×h 16-bit RGBA PNG (signature and IHDR):
// what a 389 KB decompression bomb looks like to a header reader.
func png16Header(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 16, 6
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr))) //nolint:errcheck // bytes.Buffer
	crc := crc32.NewIEEE()
	crc.Write([]byte("IHDR"))
	crc.Write(ihdr)
	b.WriteString("IHDR")
	b.Write(ihdr)
	binary.Write(&b, binary.BigEndian, crc.Sum32()) //nolint:errcheck // bytes.Buffer
	return b.Bytes()
}
