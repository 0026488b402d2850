package watermark

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/kira-art/kira/content"
)

// The shipped logo (content/watermark_logo.png) is made by renderLogo, so
// it can be redrawn rather than edited by hand:
//
//	KIRA_WRITE_LOGO=1 go test ./internal/watermark -run TestShippedLogo
const logoFile = "../../content/watermark_logo.png"

// renderLogo draws the "kira" wordmark: white Go Bold letters in a dark
// halo, so the mark reads on light and dark pictures alike; the rest is
// transparent.
func renderLogo(t testing.TB) *image.NRGBA {
	t.Helper()
	f, err := opentype.Parse(gobold.TTF)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 200, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	const pad = 14
	d := &font.Drawer{Face: face, Src: image.White}
	bounds, _ := d.BoundString("kira")
	w := (bounds.Max.X - bounds.Min.X).Ceil() + 2*pad
	h := (bounds.Max.Y - bounds.Min.Y).Ceil() + 2*pad
	text := image.NewAlpha(image.Rect(0, 0, w, h))
	d.Dst = text
	d.Dot = fixed.P(pad, pad).Sub(bounds.Min)
	d.DrawString("kira")

	out := image.NewNRGBA(text.Rect)
	halo := dilate(text, 10)
	draw.DrawMask(out, out.Rect, image.NewUniform(color.NRGBA{0, 0, 0, 150}), image.Point{}, halo, image.Point{}, draw.Over)
	draw.DrawMask(out, out.Rect, image.White, image.Point{}, text, image.Point{}, draw.Over)
	return out
}

// dilate spreads each pixel's coverage to a disc of radius r (max filter).
func dilate(src *image.Alpha, r int) *image.Alpha {
	dst := image.NewAlpha(src.Rect)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	for y := range h {
		for x := range w {
			var m uint8
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					sx, sy := x+dx, y+dy
					if dx*dx+dy*dy > r*r || sx < 0 || sy < 0 || sx >= w || sy >= h {
						continue
					}
					m = max(m, src.Pix[sy*src.Stride+sx])
				}
			}
			dst.Pix[y*dst.Stride+x] = m
		}
	}
	return dst
}

func TestShippedLogo(t *testing.T) {
	t.Parallel()
	want := renderLogo(t)
	if os.Getenv("KIRA_WRITE_LOGO") == "1" {
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(&buf, want); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(logoFile, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes, %v)", logoFile, buf.Len(), want.Rect.Size())
		return
	}
	raw := content.WatermarkLogo()
	if len(raw) > 20<<10 {
		t.Errorf("logo is %d bytes, want < 20 KiB", len(raw))
	}
	logo, err := DecodeLogo(raw)
	if err != nil {
		t.Fatal(err)
	}
	if logo.Bounds() != want.Rect {
		t.Fatalf("logo bounds %v, generator draws %v", logo.Bounds(), want.Rect)
	}
	for y := range want.Rect.Dy() {
		for x := range want.Rect.Dx() {
			if g, w := color.NRGBAModel.Convert(logo.At(x, y)), want.NRGBAAt(x, y); g != w {
				t.Fatalf("logo pixel (%d,%d) = %v, generator draws %v; rerun with KIRA_WRITE_LOGO=1", x, y, g, w)
			}
		}
	}
}
