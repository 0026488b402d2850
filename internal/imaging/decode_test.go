package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"runtime"
	"testing"

	"github.com/bbrks/go-blurhash"
)

// pngHeaderOnly is a PNG whose IHDR claims w×h and whose data is a few
// bytes: what a decompression bomb looks like before it is inflated.
func pngHeaderOnly(w, h uint32) []byte { return pngHeaderWith(w, h, 8, 0) }

// pngHeaderWith is pngHeaderOnly of an RGBA PNG with the given channel
// depth (8 or 16) and interlace method (0 none, 1 Adam7).
func pngHeaderWith(w, h uint32, depth, interlace byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data))) //nolint:errcheck // bytes.Buffer
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32()) //nolint:errcheck // bytes.Buffer
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9], ihdr[12] = depth, 6, interlace // RGBA
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00})
	chunk("IEND", nil)
	return b.Bytes()
}

func TestDecodeFormats(t *testing.T) {
	t.Parallel()
	src := pattern(64, 48)
	for name, data := range map[string][]byte{"png": pngOf(t, src), "jpeg": jpegOf(t, src), "gif": gifOf(t, src)} {
		img, format, err := Decode(data, 0)
		if err != nil || format != name || img.Bounds().Dx() != 64 || img.Bounds().Dy() != 48 {
			t.Errorf("%s: %v %q %v", name, err, format, img)
		}
	}
	img, format, err := Decode(tinyWebP, 0)
	if err != nil || format != "webp" || img.Bounds() != image.Rect(0, 0, 1, 1) {
		t.Errorf("webp: %v %q", err, format)
	}
}

func TestDecodeRefusesBombsBeforeDecoding(t *testing.T) {
	t.Parallel()
	bomb := pngHeaderOnly(100_000, 100_000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := Decode(bomb, 0)
	runtime.ReadMemStats(&after)
	var limit *PixelLimitError
	if !errors.As(err, &limit) || limit.Width != 100_000 || limit.Height != 100_000 || limit.MaxPixels != DefaultMaxPixels {
		t.Fatalf("want a PixelLimitError, got %v", err)
	}
	// Decoding would need 40 GB; the header check allocates almost nothing.
	// (TotalAlloc is process-wide; parallel tests add a little noise.)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Fatalf("refusing the bomb allocated %d bytes", grew)
	}
	// The limit is the caller's: a tighter one refuses a modest image too.
	if _, _, err := Decode(pngOf(t, pattern(100, 100)), 5_000); !errors.As(err, &limit) {
		t.Fatalf("100x100 under a 5000-pixel limit: %v", err)
	}
}

func TestDecodeRefusesBrokenInput(t *testing.T) {
	t.Parallel()
	good := pngOf(t, pattern(200, 200))
	jp := jpegOf(t, pattern(200, 200))
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrUnsupported},
		{"text", []byte("not an image at all"), ErrUnsupported},
		{"truncated png", good[:len(good)/2], ErrCorrupt},
		{"truncated jpeg", jp[:len(jp)/2], ErrCorrupt},
		{"png header only", good[:20], ErrCorrupt},
		{"zero width", pngHeaderOnly(0, 10), ErrCorrupt},
		{"bmp", []byte("BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00"), ErrUnsupported},
	}
	for _, c := range cases {
		if _, _, err := Decode(c.data, 0); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func TestDeriveOpaque(t *testing.T) {
	t.Parallel()
	d, err := Derive(pattern(1000, 500))
	if err != nil {
		t.Fatal(err)
	}
	if d.Thumb.Width != 400 || d.Thumb.Height != 200 || d.Thumb.ContentType != "image/jpeg" || d.Thumb.Ext != ".jpg" {
		t.Fatalf("thumb %dx%d %s", d.Thumb.Width, d.Thumb.Height, d.Thumb.ContentType)
	}
	if d.Blur.Width != 20 || d.Blur.Height != 10 {
		t.Fatalf("blur %dx%d", d.Blur.Width, d.Blur.Height)
	}
	for name, e := range map[string]Encoded{"thumb": d.Thumb, "blur": d.Blur} {
		img, format, err := Decode(e.Data, 0)
		if err != nil || format != "jpeg" || img.Bounds().Dx() != e.Width || img.Bounds().Dy() != e.Height {
			t.Fatalf("%s does not decode to what it claims: %v %s", name, err, format)
		}
	}
	if x, y, err := blurhash.Components(d.Blurhash); err != nil || x != 4 || y != 3 {
		t.Fatalf("blurhash %q: %d×%d %v", d.Blurhash, x, y, err)
	}
}

func TestDeriveKeepsTransparencyAndNeverUpscales(t *testing.T) {
	t.Parallel()
	img := image.NewNRGBA(image.Rect(10, 10, 110, 60)) // bounds need not start at 0
	for y := 10; y < 60; y++ {
		for x := 10; x < 110; x++ {
			img.Set(x, y, color.NRGBA{200, 30, 30, uint8(x)})
		}
	}
	d, err := Derive(img)
	if err != nil {
		t.Fatal(err)
	}
	if d.Thumb.Width != 100 || d.Thumb.Height != 50 || d.Thumb.ContentType != "image/png" {
		t.Fatalf("small transparent image: thumb %dx%d %s", d.Thumb.Width, d.Thumb.Height, d.Thumb.ContentType)
	}
	thumb, _, err := Decode(d.Thumb.Data, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, a := thumb.At(0, 0).RGBA(); a == 0xffff {
		t.Fatal("transparency lost")
	}
}

func TestBlurIsSmooth(t *testing.T) {
	t.Parallel()
	// A checkerboard becomes (nearly) flat grey once blurred.
	img := image.NewRGBA(image.Rect(0, 0, 20, 20))
	for y := range 20 {
		for x := range 20 {
			v := uint8(0)
			if (x+y)%2 == 0 {
				v = 255
			}
			img.Set(x, y, color.RGBA{v, v, v, 255})
		}
	}
	out := boxBlur(boxBlur(img))
	for y := 2; y < 18; y++ {
		for x := 2; x < 18; x++ {
			if r := out.RGBAAt(x, y).R; r < 100 || r > 156 {
				t.Fatalf("pixel %d,%d = %d after blur", x, y, r)
			}
		}
	}
}

func TestFitBoundsExtremeRatios(t *testing.T) {
	t.Parallel()
	cases := []struct{ w, h, mw, mh, ww, wh int }{
		{1000, 500, 400, 2000, 400, 200},
		{100, 50, 400, 2000, 100, 50},
		{400, 100_000, 400, 2000, 8, 2000},
		{100_000, 1, 400, 2000, 400, 1},
	}
	for _, c := range cases {
		if w, h := fit(c.w, c.h, c.mw, c.mh); w != c.ww || h != c.wh {
			t.Errorf("fit(%d,%d) = %d,%d want %d,%d", c.w, c.h, w, h, c.ww, c.wh)
		}
	}
}
