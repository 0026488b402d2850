// Package media holds the generation providers: images now, video and music
// as their jobs land. Each kind has an interface with a local, offline,
// deterministic provider (the embedded default) and HTTP providers.
package media

import (
	"context"
	"errors"
	"fmt"
	"image"
	"strings"
)

// ImageRequest asks for count images of a prompt.
type ImageRequest struct {
	Prompt string
	Ratio  string // auto, 1:1, 16:9, 9:16, 4:3, 3:4
	Model  string // lite, nova, ultra
	Count  int    // 1–4
	Seed   int64  // 0 = derived from the prompt
	Source image.Image
}

// GeneratedImage is one output, already encoded.
type GeneratedImage struct {
	Data        []byte
	ContentType string
	Width       int
	Height      int
	Seed        int64
}

// ImageProvider generates (and, with Source set, edits) images.
type ImageProvider interface {
	Generate(ctx context.Context, req ImageRequest) ([]GeneratedImage, error)
	Name() string
}

// ErrBadRequest wraps arguments a provider cannot honour.
var ErrBadRequest = errors.New("bad image request")

// Dimensions returns the output size of a model and ratio: the long side is
// the model's resolution.
func Dimensions(model, ratio string) (int, int, error) {
	long := map[string]int{"": 768, "lite": 512, "nova": 768, "ultra": 1024}[strings.ToLower(model)]
	if long == 0 {
		return 0, 0, fmt.Errorf("%w: model %q (want lite, nova or ultra)", ErrBadRequest, model)
	}
	var w, h int
	switch ratio {
	case "", "auto", "1:1":
		w, h = long, long
	default:
		if _, err := fmt.Sscanf(ratio, "%d:%d", &w, &h); err != nil || w <= 0 || h <= 0 || w > 4*h || h > 4*w {
			return 0, 0, fmt.Errorf("%w: ratio %q", ErrBadRequest, ratio)
		}
		if w >= h {
			w, h = long, long*h/w
		} else {
			w, h = long*w/h, long
		}
	}
	return w &^ 7, h &^ 7, nil // multiples of 8, as real models produce
}
