package imaging

import (
	"encoding/binary"
	"image"
	"image/color"
	"testing"
)

// withOrientation inserts an EXIF segment carrying orientation o right
// after a JPEG's SOI marker, in the given byte order.
func withOrientation(jpg []byte, o int, bo binary.ByteOrder) []byte {
	tiff := make([]byte, 8+2+12+4)
	if bo == binary.LittleEndian {
		copy(tiff, "II")
	} else {
		copy(tiff, "MM")
	}
	bo.PutUint16(tiff[2:], 42)
	bo.PutUint32(tiff[4:], 8)
	bo.PutUint16(tiff[8:], 1)          // one entry
	bo.PutUint16(tiff[10:], 0x0112)    // Orientation
	bo.PutUint16(tiff[12:], 3)         // SHORT
	bo.PutUint32(tiff[14:], 1)         // count
	bo.PutUint16(tiff[18:], uint16(o)) // value
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(len(seg)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(append(out, app1...), seg...)
	return append(out, jpg[2:]...)
}

func TestOrientation(t *testing.T) {
	t.Parallel()
	jpg := jpegOf(t, pattern(16, 8))
	if o := Orientation(jpg); o != 1 {
		t.Fatalf("no EXIF: %d", o)
	}
	for o := 1; o <= 8; o++ {
		for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			data := withOrientation(jpg, o, bo)
			if got := Orientation(data); got != o {
				t.Errorf("orientation %d (%v): read %d", o, bo, got)
			}
			if _, _, err := Decode(data, 0); err != nil {
				t.Fatalf("EXIF JPEG does not decode: %v", err)
			}
		}
	}
	broken := withOrientation(jpg, 6, binary.BigEndian)
	for name, data := range map[string][]byte{
		"png":           pngOf(t, pattern(4, 4)),
		"value 9":       withOrientation(jpg, 9, binary.LittleEndian),
		"cut segment":   broken[:20],
		"bad tiff":      append(append([]byte{}, broken[:10]...), append([]byte("XX"), broken[12:]...)...),
		"soi only":      {0xff, 0xd8},
		"garbage after": {0xff, 0xd8, 0x00, 0x01, 0x02},
	} {
		if got := Orientation(data); got != 1 {
			t.Errorf("%s: %d, want 1", name, got)
		}
	}
}

func TestOrientTurnsAndMirrors(t *testing.T) {
	t.Parallel()
	// 3×2 with distinct pixels: value = 10*y + x + 1.
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for y := range 2 {
		for x := range 3 {
			src.SetRGBA(x, y, color.RGBA{uint8(10*y + x + 1), 0, 0, 255})
		}
	}
	at := func(img *image.RGBA, x, y int) uint8 { return img.RGBAAt(x, y).R }
	// 6: the stored bottom-left becomes the displayed top-left.
	r6 := Orient(src, 6)
	if r6.Bounds().Dx() != 2 || r6.Bounds().Dy() != 3 || at(r6, 0, 0) != 11 || at(r6, 1, 0) != 1 || at(r6, 0, 2) != 13 {
		t.Fatalf("orientation 6: %v", r6.Pix)
	}
	// 8: the stored top-right becomes the displayed top-left.
	if r8 := Orient(src, 8); at(r8, 0, 0) != 3 || at(r8, 1, 2) != 11 {
		t.Fatalf("orientation 8: %v", r8.Pix)
	}
	inverse := map[int]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 8, 7: 7, 8: 6}
	for o, inv := range inverse {
		back := Orient(Orient(src, o), inv)
		if back.Bounds() != src.Bounds() || string(back.Pix) != string(src.Pix) {
			t.Errorf("orientation %d then %d is not the identity", o, inv)
		}
	}
}

func TestDeriveOrientedIsUpright(t *testing.T) {
	t.Parallel()
	d, err := DeriveOriented(pattern(1600, 1000), 6)
	if err != nil {
		t.Fatal(err)
	}
	if d.Width != 1000 || d.Height != 1600 || d.Thumb.Width != 400 || d.Thumb.Height != 640 || d.Blur.Width != 20 || d.Blur.Height != 32 {
		t.Fatalf("oriented derivatives: %dx%d thumb %dx%d blur %dx%d", d.Width, d.Height, d.Thumb.Width, d.Thumb.Height, d.Blur.Width, d.Blur.Height)
	}
	if u := Upright(pattern(3000, 100), 8, 1024); u.Bounds().Dx() != 34 || u.Bounds().Dy() != 1024 {
		t.Fatalf("upright copy %v", u.Bounds())
	}
	if img := pattern(10, 10); Upright(img, 1, 4) != image.Image(img) {
		t.Fatal("orientation 1 must not copy")
	}
}
