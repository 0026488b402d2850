package imaging

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // registers GIF with image.Decode
	_ "image/jpeg" // registers JPEG
	_ "image/png"  // registers PNG
	"io"

	_ "golang.org/x/image/webp" // registers WebP (lossy, lossless, alpha; not animated)
)

// DefaultMaxPixels bounds the pixel count Decode accepts when the caller
// passes 0: 50 megapixels covers camera photos and AI outputs.
const DefaultMaxPixels = 50_000_000

// DefaultMaxBytes bounds the memory a decoded image may take when the
// caller passes 0: a 50-megapixel 8-bit RGBA image. Pixels alone are not
// enough: a 16-bit RGBA PNG takes 8 bytes per pixel, so 50 megapixels of it
// (a few hundred KB of compressed zeros) would decode to 400 MB.
const DefaultMaxBytes = 4 * DefaultMaxPixels

// Limits bound what Decode accepts, checked from the header alone.
type Limits struct {
	MaxPixels int   // DefaultMaxPixels when <= 0
	MaxBytes  int64 // DefaultMaxBytes when <= 0: the decoded form's size
}

func (l Limits) orDefaults() Limits {
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	return l
}

// Errors of Decode, for mapping to status codes.
var (
	// ErrUnsupported: the bytes are not PNG, JPEG, GIF or WebP.
	ErrUnsupported = errors.New("imaging: unsupported image format")
	// ErrCorrupt: the header or the pixel data is broken (e.g. truncated).
	ErrCorrupt = errors.New("imaging: corrupt or truncated image")
)

// PixelLimitError is returned when an image's header declares more pixels
// than allowed. It is detected from the header alone, before any pixel
// buffer is allocated, so decompression bombs cost nothing.
type PixelLimitError struct {
	Width, Height int
	MaxPixels     int
}

func (e *PixelLimitError) Error() string {
	return fmt.Sprintf("imaging: %dx%d image exceeds the limit of %d pixels", e.Width, e.Height, e.MaxPixels)
}

// MemoryLimitError is returned when an image's decoded form (pixels × bytes
// per pixel of its colour model, doubled for interlaced PNGs) would exceed
// the memory limit. Like PixelLimitError it is found from the header alone.
type MemoryLimitError struct {
	Width, Height int
	BytesPerPixel int
	Bytes         int64 // the decoded size
	MaxBytes      int64
}

func (e *MemoryLimitError) Error() string {
	return fmt.Sprintf("imaging: %dx%d image at %d bytes per pixel needs %d bytes to decode, over the limit of %d",
		e.Width, e.Height, e.BytesPerPixel, e.Bytes, e.MaxBytes)
}

// Header is what Probe reads from an image's header.
type Header struct {
	Format        string // png, jpeg, gif, webp
	Width, Height int
	BytesPerPixel int   // of the decoded form
	DecodedBytes  int64 // what decoding will allocate for pixels
}

// decodable are the image.Decode format names the server accepts; other
// packages of the binary might register more (BMP, TIFF …) and those stay
// refused.
var decodable = map[string]bool{"png": true, "jpeg": true, "gif": true, "webp": true}

// headPeek is how much of the stream Probe keeps to read format details
// image.DecodeConfig does not report (PNG interlacing).
const headPeek = 64

// Probe reads only the header of a PNG, JPEG, GIF or WebP image and checks
// it against lim (defaults filled in): a *PixelLimitError or
// *MemoryLimitError when too large, ErrUnsupported or ErrCorrupt otherwise.
func Probe(r io.Reader, lim Limits) (Header, error) {
	lim = lim.orDefaults()
	br := bufio.NewReader(r)
	head, _ := br.Peek(headPeek) // short input is judged by DecodeConfig
	head = bytes.Clone(head)
	cfg, format, err := image.DecodeConfig(br)
	switch {
	case errors.Is(err, image.ErrFormat):
		return Header{}, ErrUnsupported
	case err != nil:
		return Header{}, fmt.Errorf("%w: %v", ErrCorrupt, err)
	case !decodable[format]:
		return Header{}, ErrUnsupported
	case cfg.Width <= 0 || cfg.Height <= 0:
		return Header{}, fmt.Errorf("%w: %dx%d", ErrCorrupt, cfg.Width, cfg.Height)
	}
	px := int64(cfg.Width) * int64(cfg.Height)
	h := Header{Format: format, Width: cfg.Width, Height: cfg.Height, BytesPerPixel: BytesPerPixel(cfg.ColorModel)}
	h.DecodedBytes = px * int64(h.BytesPerPixel)
	if format == "png" && pngInterlaced(head) {
		h.DecodedBytes *= 2 // each Adam7 pass is decoded apart, then merged into the full image
	}
	if px > int64(lim.MaxPixels) {
		return h, &PixelLimitError{Width: cfg.Width, Height: cfg.Height, MaxPixels: lim.MaxPixels}
	}
	if h.DecodedBytes > lim.MaxBytes {
		return h, &MemoryLimitError{Width: cfg.Width, Height: cfg.Height, BytesPerPixel: h.BytesPerPixel,
			Bytes: h.DecodedBytes, MaxBytes: lim.MaxBytes}
	}
	return h, nil
}

// BytesPerPixel is the size of one pixel in the image type the standard
// decoders return for a colour model (as image.DecodeConfig reports it).
// Unknown models count as 8, the largest, so they are never underestimated.
func BytesPerPixel(m color.Model) int {
	if _, ok := m.(color.Palette); ok {
		return 1 // PNG palette, GIF
	}
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3 // JPEG and lossy WebP; 4:4:4 subsampling, the largest
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel, color.NYCbCrAModel:
		return 4
	}
	return 8 // RGBA64, NRGBA64 (16-bit PNG) and anything unknown
}

// pngInterlaced reads the interlace byte of a PNG's IHDR (signature 8,
// chunk length and type 8, then width, height, depth, colour type,
// compression, filter, interlace).
func pngInterlaced(head []byte) bool {
	return len(head) > 28 && string(head[12:16]) == "IHDR" && head[28] == 1
}

// Decode decodes a PNG, JPEG, GIF (first frame) or WebP image and returns it
// with its format name. It reads the header first and refuses images over
// maxPixels (DefaultMaxPixels when maxPixels <= 0) or DefaultMaxBytes of
// decoded memory before decoding; see DecodeLimited.
func Decode(data []byte, maxPixels int) (image.Image, string, error) {
	return DecodeLimited(bytes.NewReader(data), Limits{MaxPixels: maxPixels})
}

// DecodeLimited is Decode from a seekable source (a temporary file or a
// byte reader) under lim: the header is probed (Probe's errors), then the
// source is rewound and decoded. Other failures wrap ErrCorrupt.
func DecodeLimited(r io.ReadSeeker, lim Limits) (image.Image, string, error) {
	if _, err := Probe(r, lim); err != nil {
		return nil, "", err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, "", fmt.Errorf("rewind image: %w", err)
	}
	img, format, err := image.Decode(bufio.NewReader(r))
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if b := img.Bounds(); b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, "", fmt.Errorf("%w: empty image", ErrCorrupt)
	}
	return img, format, nil
}
