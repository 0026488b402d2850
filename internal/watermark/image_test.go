package watermark

import (
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"runtime"
	"testing"

	"github.com/kira-art/kira/content"
)

func shippedLogo(t testing.TB) image.Image {
	t.Helper()
	logo, err := DecodeLogo(content.WatermarkLogo())
	if err != nil {
		t.Fatal(err)
	}
	return logo
}

// gradient is a deterministic picture whose every pixel differs from its
// neighbours, with bounds off the origin to catch offset mistakes.
func gradient(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(7, -3, 7+w, -3+h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(7+x, -3+y, color.NRGBA{uint8(x * 7), uint8(y * 5), uint8(x*y + 40), 255})
		}
	}
	return img
}

func TestImageMarksOnlyTheMarkArea(t *testing.T) {
	t.Parallel()
	logo := shippedLogo(t)
	for _, size := range []image.Point{{640, 480}, {480, 640}, {1, 1}, {2, 3}, {16, 16}, {17, 9}, {999, 37}, {5, 400}} {
		src := gradient(size.X, size.Y)
		got := Image(src, logo)
		if got.Rect != image.Rect(0, 0, size.X, size.Y) {
			t.Fatalf("%v: output bounds %v", size, got.Rect)
		}
		mark := MarkRect(size, logo.Bounds().Size())
		if !mark.In(got.Rect) || mark.Empty() {
			t.Fatalf("%v: mark %v not inside the picture", size, mark)
		}
		changed := 0
		for y := range size.Y {
			for x := range size.X {
				want := color.RGBAModel.Convert(src.At(7+x, -3+y))
				diff := got.RGBAAt(x, y) != want
				if diff && !image.Pt(x, y).In(mark) {
					t.Fatalf("%v: pixel (%d,%d) outside the mark %v changed", size, x, y, mark)
				}
				if diff {
					changed++
				}
			}
		}
		// The logo's letters and halo cover about half its box; a tiny
		// mark is a blend of both, so any pixel may show it.
		if changed == 0 || (mark.Dx() >= 40 && changed < mark.Dx()*mark.Dy()/5) {
			t.Errorf("%v: only %d of the mark's %d pixels changed", size, changed, mark.Dx()*mark.Dy())
		}
	}
}

func TestMarkRectGeometry(t *testing.T) {
	t.Parallel()
	logo := image.Pt(360, 180)
	cases := []struct {
		img  image.Point
		want image.Rectangle
	}{
		// 18% of 1000 = 180 wide, 90 high, 30 px margin.
		{image.Pt(1500, 1000), image.Rect(1500-30-180, 1000-30-90, 1470, 970)},
		{image.Pt(1000, 1500), image.Rect(1000-30-180, 1500-30-90, 970, 1470)},
		// Tiny: at least 8 wide, 1 px margin.
		{image.Pt(16, 16), image.Rect(16-1-8, 16-1-4, 15, 15)},
		// A strip: the height binds, the aspect stays.
		{image.Pt(400, 4), image.Rect(400-1-4, 1, 399, 3)},
		{image.Pt(1, 1), image.Rect(0, 0, 1, 1)},
		{image.Pt(0, 10), image.Rectangle{}},
	}
	for _, c := range cases {
		if got := MarkRect(c.img, logo); got != c.want {
			t.Errorf("MarkRect(%v) = %v, want %v", c.img, got, c.want)
		}
	}
}

func TestImageLeavesSourceAndTakesAnyLogo(t *testing.T) {
	t.Parallel()
	src := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for i := range src.Pix {
		src.Pix[i] = 200
	}
	before := append([]byte(nil), src.Pix...)
	// A logo far larger than the picture is scaled down into it.
	logo := image.NewRGBA(image.Rect(-50, -50, 5000, 2000))
	for i := range logo.Pix {
		logo.Pix[i] = 255
	}
	got := Image(src, logo)
	if string(src.Pix) != string(before) {
		t.Fatal("Image modified its source")
	}
	if got.RGBAAt(60, 60) == src.RGBAAt(60, 60) {
		t.Error("the mark is missing at the bottom-right")
	}
	if got := Image(src, nil); string(got.Pix) != string(before) {
		t.Error("a nil logo changed pixels")
	}
}

func TestImageLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates ~60 MB")
	}
	src := image.NewGray(image.Rect(0, 0, 4000, 3000))
	for i := range src.Pix {
		src.Pix[i] = 128
	}
	logo := shippedLogo(t)
	got := Image(src, logo)
	mark := MarkRect(got.Rect.Size(), logo.Bounds().Size())
	if mark.Dx() != 540 { // 18% of 3000
		t.Errorf("mark %v, want 540 wide", mark)
	}
	gray, changed := color.RGBA{128, 128, 128, 255}, 0
	for y := mark.Min.Y; y < mark.Max.Y; y++ {
		for x := mark.Min.X; x < mark.Max.X; x++ {
			if got.RGBAAt(x, y) != gray {
				changed++
			}
		}
	}
	if changed < mark.Dx()*mark.Dy()/5 {
		t.Errorf("only %d pixels of the mark %v changed", changed, mark)
	}
	if got.RGBAAt(10, 10) != gray || got.RGBAAt(3999, 0) != gray {
		t.Error("pixels far from the mark changed")
	}
}

// TestImageGolden pins the output, so a change of look is a deliberate
// one (update the hash) and not a dependency bump passing unnoticed. Only
// on amd64: other architectures may fuse the scaler's float operations.
func TestImageGolden(t *testing.T) {
	t.Parallel()
	if runtime.GOARCH != "amd64" {
		t.Skip("golden hash recorded on amd64")
	}
	logo := shippedLogo(t)
	sum := func() string {
		h := sha256.Sum256(Image(gradient(320, 200), logo).Pix)
		return hex.EncodeToString(h[:])
	}
	first := sum()
	if again := sum(); again != first {
		t.Fatalf("not deterministic: %s then %s", first, again)
	}
	const want = "9271012068a021d7ef5e71cbea50c796e339358105582d5507f3540add79f528"
	if first != want {
		t.Errorf("hash %s, want %s", first, want)
	}
}

func BenchmarkImage1024(b *testing.B) {
	src, logo := gradient(1024, 1024), shippedLogo(b)
	for b.Loop() {
		Image(src, logo)
	}
}
