// Package watermark marks downloads of free-plan users (API.md §3.7): a
// visible logo drawn over images in Go, and over videos by ffmpeg under a
// timeout and a concurrency cap. It only transforms pixels and files; which
// download gets a mark, and caching the result, is the caller's business.
package watermark

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"

	"golang.org/x/image/draw"
)

// The mark's geometry, shared by Image and Video so a picture and a clip
// of the same size carry the same mark.
const (
	// markShare is the logo's width as a share of the picture's short side.
	markShare = 0.18
	// marginShare is the gap to the bottom and right edges, same reference.
	marginShare = 0.03
	// minMarkWidth keeps the mark a visible blob on thumbnails.
	minMarkWidth = 8
	// opacity is the logo's alpha multiplier: readable, not hiding the art.
	opacity = 0.6
)

// DecodeLogo decodes a PNG logo such as content.WatermarkLogo().
func DecodeLogo(raw []byte) (image.Image, error) {
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("watermark: logo: %w", err)
	}
	if img.Bounds().Empty() {
		return nil, fmt.Errorf("watermark: logo is empty")
	}
	return img, nil
}

// MarkRect is where Image draws a logo of size logo on a picture of size
// img (both width × height): bottom-right, inset by a margin, its width
// markShare of the short side (at least minMarkWidth), its aspect kept,
// and never outside the picture. Empty when either size is empty.
func MarkRect(img, logo image.Point) image.Rectangle {
	if img.X <= 0 || img.Y <= 0 || logo.X <= 0 || logo.Y <= 0 {
		return image.Rectangle{}
	}
	short := float64(min(img.X, img.Y))
	margin := max(1, int(math.Round(short*marginShare)))
	if 2*margin >= min(img.X, img.Y) {
		margin = 0 // a 1-2 px image: the mark may touch the edge
	}
	w := max(minMarkWidth, int(math.Round(short*markShare)))
	w = min(w, img.X-2*margin)
	h := max(1, int(math.Round(float64(w)*float64(logo.Y)/float64(logo.X))))
	if h > img.Y-2*margin { // a very wide picture: the height binds
		h = img.Y - 2*margin
		w = max(1, int(math.Round(float64(h)*float64(logo.X)/float64(logo.Y))))
	}
	max := image.Pt(img.X-margin, img.Y-margin)
	return image.Rectangle{Min: max.Sub(image.Pt(w, h)), Max: max}
}

// Image returns a copy of src, its bounds moved to the origin, with logo
// drawn semi-transparently at MarkRect. The same inputs give the same
// pixels. Beyond the copy (4 bytes per pixel, which the caller bounds by
// limiting what it decodes) it allocates only the mark-sized logo, so huge
// pictures cost no more than their copy. A nil or empty logo leaves the
// copy unmarked.
func Image(src image.Image, logo image.Image) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Rect, src, b.Min, draw.Src)
	if logo == nil {
		return dst
	}
	r := MarkRect(dst.Rect.Size(), logo.Bounds().Size())
	if r.Empty() {
		return dst
	}
	// Scale first, then blend with a uniform mask: the scaler's Over
	// would apply no opacity, and scaling into dst directly would blend
	// the interpolation's edge taps twice.
	mark := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.CatmullRom.Scale(mark, mark.Rect, logo, logo.Bounds(), draw.Src, nil)
	alpha := image.NewUniform(color.Alpha{A: uint8(math.Round(255 * opacity))})
	draw.DrawMask(dst, r, mark, image.Point{}, alpha, image.Point{}, draw.Over)
	return dst
}
