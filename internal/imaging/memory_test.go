package imaging

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"io"
	"reflect"
	"testing"
)

// countingZeros is an endless stream of zeros that counts what was read:
// the pixel data of a bomb, which a header check must not touch.
type countingZeros struct{ n int64 }

func (c *countingZeros) Read(p []byte) (int, error) {
	clear(p)
	c.n += int64(len(p))
	return len(p), nil
}

// A 7070×7070 16-bit RGBA PNG has fewer pixels than the pixel limit but
// decodes to 400 MB: it is refused from its header, before its pixel data
// is read.
func TestProbeRefuses16BitBombByMemory(t *testing.T) {
	t.Parallel()
	rest := &countingZeros{}
	src := io.MultiReader(bytes.NewReader(pngHeaderWith(7070, 7070, 16, 0)), rest)
	_, err := Probe(src, Limits{})
	var mem *MemoryLimitError
	if !errors.As(err, &mem) || mem.BytesPerPixel != 8 || mem.Bytes != 7070*7070*8 || mem.MaxBytes != DefaultMaxBytes {
		t.Fatalf("want a MemoryLimitError at 8 B/px, got %v", err)
	}
	if rest.n > 8<<10 {
		t.Fatalf("the probe read %d bytes past the header", rest.n)
	}
	// Decode refuses it the same way, without decoding.
	_, _, err = Decode(pngHeaderWith(7070, 7070, 16, 0), 0)
	if !errors.As(err, &mem) {
		t.Fatalf("Decode: %v", err)
	}
	// The same size at 8 bits passes the probe (200 MB is the limit) …
	if _, err := Probe(bytes.NewReader(pngHeaderWith(7070, 7070, 8, 0)), Limits{}); err != nil {
		t.Fatalf("8-bit 7070×7070: %v", err)
	}
	// … unless interlaced: Adam7 passes double the memory.
	if _, err := Probe(bytes.NewReader(pngHeaderWith(7070, 7070, 8, 1)), Limits{}); !errors.As(err, &mem) {
		t.Fatalf("interlaced 8-bit 7070×7070: %v", err)
	}
}

// The estimate from the header matches (or exceeds) what the standard
// decoders allocate for each colour model.
func TestBytesPerPixelMatchesDecoders(t *testing.T) {
	t.Parallel()
	r := image.Rect(0, 0, 16, 8)
	pal := image.NewPaletted(r, color.Palette{color.Black, color.White})
	pal.SetColorIndex(3, 3, 1)
	nrgba := image.NewNRGBA(r)
	nrgba.Pix[3] = 7 // not opaque: stays NRGBA
	n64 := image.NewNRGBA64(r)
	n64.SetNRGBA64(1, 1, color.NRGBA64{R: 1, G: 2, B: 3, A: 4})
	r64 := image.NewRGBA64(r)
	for i := range r64.Pix {
		r64.Pix[i] = 0xff // opaque, 16-bit: decoded as RGBA64
	}
	g16 := image.NewGray16(r)
	g16.SetGray16(2, 2, color.Gray16{Y: 0x1234})
	inputs := map[string][]byte{
		"png gray": pngOf(t, image.NewGray(r)), "png gray16": pngOf(t, g16), "png rgba": pngOf(t, pattern(16, 8)),
		"png nrgba": pngOf(t, nrgba), "png nrgba64": pngOf(t, n64), "png rgba64": pngOf(t, r64),
		"png paletted": pngOf(t, pal), "jpeg": jpegOf(t, pattern(16, 8)), "gif": gifOf(t, pattern(16, 8)),
		"webp": tinyWebP,
	}
	for name, data := range inputs {
		h, err := Probe(bytes.NewReader(data), Limits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		img, _, err := Decode(data, 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := pixBytes(img); got > h.DecodedBytes || got == 0 {
			t.Errorf("%s (%T): decoded %d bytes, estimated %d", name, img, got, h.DecodedBytes)
		}
	}
}

// pixBytes is the length of an image's pixel buffers (Pix, or Y+Cb+Cr(+A)).
func pixBytes(img image.Image) int64 {
	switch m := img.(type) {
	case *image.YCbCr:
		return int64(len(m.Y) + len(m.Cb) + len(m.Cr))
	case *image.NYCbCrA:
		return int64(len(m.Y) + len(m.Cb) + len(m.Cr) + len(m.A))
	}
	v := reflect.ValueOf(img).Elem().FieldByName("Pix")
	if !v.IsValid() {
		return 0
	}
	return int64(v.Len())
}
