package imaging

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	"github.com/bbrks/go-blurhash"
	"golang.org/x/image/draw"
)

// Derivative sizes. A derivative is at most MaxWidth wide and 5×MaxWidth
// tall (ratio kept, never upscaled), so a 400×100000 strip cannot make a
// 40-megapixel "thumbnail".
const (
	ThumbWidth = 400 // the Image object's thumbUrl
	BlurWidth  = 20  // the Image object's blurUrl
	hashWidth  = 32  // blurhash input: the hash only keeps 4×3 cosine components
	jpegQual   = 82
	maxAspect  = 5
)

// Blurhash components: 4 across, 3 down (the common choice for landscape
// and portrait alike; 20–30 characters).
const (
	blurhashX = 4
	blurhashY = 3
)

// Encoded is an encoded derivative.
type Encoded struct {
	Data          []byte
	ContentType   string // image/jpeg or image/png
	Ext           string // ".jpg" or ".png"
	Width, Height int
}

// Derivatives are what an image shows as before (and beside) its original.
type Derivatives struct {
	Thumb    Encoded // ~400 px wide
	Blur     Encoded // ~20 px wide, blurred
	Blurhash string
	// Width and Height are the original's displayed size (its pixel size,
	// swapped when its orientation turns it by 90°).
	Width, Height int
}

// Derive makes the thumbnail, the blurred placeholder and the blurhash of
// img as stored (orientation 1).
func Derive(img image.Image) (Derivatives, error) { return DeriveOriented(img, 1) }

// DeriveOriented is Derive for an image displayed under EXIF orientation o
// (see Orientation): derivatives are upright as users see the original.
// Only the thumbnail is scaled from the original (and then turned, which is
// cheap at that size); the smaller versions are made from it, so the
// original is scanned once.
func DeriveOriented(img image.Image, o int) (Derivatives, error) {
	var thumb *image.RGBA
	if transposes(o) { // the stored height becomes the displayed width
		thumb = Orient(resizeBox(img, ThumbWidth*maxAspect, ThumbWidth), o)
	} else {
		thumb = Orient(Resize(img, ThumbWidth), o)
	}
	t, err := Encode(thumb)
	if err != nil {
		return Derivatives{}, err
	}
	blurred := boxBlur(boxBlur(Resize(thumb, BlurWidth)))
	b, err := Encode(blurred)
	if err != nil {
		return Derivatives{}, err
	}
	hash, err := Blurhash(thumb)
	if err != nil {
		return Derivatives{}, err
	}
	w, h := OrientedSize(img.Bounds().Dx(), img.Bounds().Dy(), o)
	return Derivatives{Thumb: t, Blur: b, Blurhash: hash, Width: w, Height: h}, nil
}

// Resize scales img to fit maxWidth × 5·maxWidth keeping its ratio (never
// upscaling; a smaller image is copied at its size) with a Catmull-Rom
// kernel, which averages all covered source pixels, so stripes and noise do
// not alias. The result's bounds start at (0,0).
func Resize(img image.Image, maxWidth int) *image.RGBA {
	return resizeBox(img, maxWidth, maxWidth*maxAspect)
}

// resizeBox scales img to fit maxW×maxH (see Resize).
func resizeBox(img image.Image, maxW, maxH int) *image.RGBA {
	sb := img.Bounds()
	w, h := fit(sb.Dx(), sb.Dy(), maxW, maxH)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if w == sb.Dx() && h == sb.Dy() {
		draw.Draw(dst, dst.Bounds(), img, sb.Min, draw.Src)
		return dst
	}
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, sb, draw.Src, nil)
	return dst
}

// fit returns w×h scaled down to fit maxW×maxH, keeping the ratio, at least 1×1.
func fit(w, h, maxW, maxH int) (int, int) {
	if w <= maxW && h <= maxH {
		return w, h
	}
	scale := min(float64(maxW)/float64(w), float64(maxH)/float64(h))
	return max(1, int(float64(w)*scale+0.5)), max(1, int(float64(h)*scale+0.5))
}

// Encode encodes a derivative: JPEG (quality 82) when every pixel is opaque,
// PNG otherwise so transparency survives. Both are standard-library encoders.
func Encode(img *image.RGBA) (Encoded, error) {
	var buf bytes.Buffer
	out := Encoded{Width: img.Bounds().Dx(), Height: img.Bounds().Dy()}
	if img.Opaque() {
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQual}); err != nil {
			return Encoded{}, fmt.Errorf("encode jpeg: %w", err)
		}
		out.ContentType, out.Ext = JPEG.ContentType, JPEG.Ext
	} else {
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		if err := enc.Encode(&buf, img); err != nil {
			return Encoded{}, fmt.Errorf("encode png: %w", err)
		}
		out.ContentType, out.Ext = PNG.ContentType, PNG.Ext
	}
	out.Data = buf.Bytes()
	return out, nil
}

// Blurhash returns the 4×3-component blurhash of img, computed on a
// 32-pixel-wide downscale: the hash keeps only low frequencies, and the
// encoder's per-pixel cost makes full-size input slow.
func Blurhash(img image.Image) (string, error) {
	small := Resize(img, hashWidth)
	h, err := blurhash.Encode(blurhashX, blurhashY, small)
	if err != nil {
		return "", fmt.Errorf("blurhash: %w", err)
	}
	return h, nil
}

// boxBlur is a 3×3 mean filter with clamped edges; applied twice it
// approximates a small Gaussian, enough to hide the pixels of a 20-px image
// that clients stretch as a placeholder.
func boxBlur(src *image.RGBA) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var sum [4]int
			n := 0
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					px := min(max(x+dx, b.Min.X), b.Max.X-1)
					py := min(max(y+dy, b.Min.Y), b.Max.Y-1)
					i := src.PixOffset(px, py)
					for c := range 4 {
						sum[c] += int(src.Pix[i+c])
					}
					n++
				}
			}
			i := dst.PixOffset(x, y)
			for c := range 4 {
				dst.Pix[i+c] = uint8((sum[c] + n/2) / n)
			}
		}
	}
	return dst
}
