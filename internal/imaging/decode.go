package imaging

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // registers GIF with image.Decode
	_ "image/jpeg" // registers JPEG
	_ "image/png"  // registers PNG

	_ "golang.org/x/image/webp" // registers WebP (lossy, lossless, alpha; not animated)
)

// DefaultMaxPixels bounds the pixel count Decode accepts when the caller
// passes 0: 50 megapixels covers camera photos and AI outputs, and an RGBA
// decode of that size stays around 200 MB.
const DefaultMaxPixels = 50_000_000

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

// decodable are the image.Decode format names the server accepts; other
// packages of the binary might register more (BMP, TIFF …) and those stay
// refused.
var decodable = map[string]bool{"png": true, "jpeg": true, "gif": true, "webp": true}

// Decode decodes a PNG, JPEG, GIF (first frame) or WebP image and returns it
// with its format name ("png", "jpeg", "gif", "webp"). It reads the header
// first and refuses images over maxPixels (DefaultMaxPixels when
// maxPixels <= 0) with a *PixelLimitError before decoding. Other failures
// wrap ErrUnsupported or ErrCorrupt.
func Decode(data []byte, maxPixels int) (image.Image, string, error) {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	switch {
	case errors.Is(err, image.ErrFormat):
		return nil, "", ErrUnsupported
	case err != nil:
		return nil, "", fmt.Errorf("%w: %v", ErrCorrupt, err)
	case !decodable[format]:
		return nil, "", ErrUnsupported
	case cfg.Width <= 0 || cfg.Height <= 0:
		return nil, "", fmt.Errorf("%w: %dx%d", ErrCorrupt, cfg.Width, cfg.Height)
	case int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels):
		return nil, "", &PixelLimitError{Width: cfg.Width, Height: cfg.Height, MaxPixels: maxPixels}
	}
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if b := img.Bounds(); b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, "", fmt.Errorf("%w: empty image", ErrCorrupt)
	}
	return img, format, nil
}
