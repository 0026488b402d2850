package media

import (
	"context"
	"fmt"
	"image"
	"time"
)

// VideoRequest asks for one clip.
type VideoRequest struct {
	Prompt   string
	Ratio    string // auto, 16:9, 9:16, 1:1; "" is auto
	Duration int    // seconds: 5 or 10; 0 is 5
	Model    string // a Kira model name the provider may map; "" is its default
	// Source, when set, makes an image-to-video clip starting from it.
	Source image.Image
	Seed   int64 // 0 = derived from the prompt (providers without seeds ignore it)
}

// GeneratedVideo is a finished clip in a temporary file.
type GeneratedVideo struct {
	// Path is a temporary file the caller owns: it moves or removes it.
	// Videos are streamed to disk, never held in memory.
	Path        string
	ContentType string // "video/mp4"
	Width       int
	Height      int
	Duration    time.Duration
	// Thumbnail is the poster (the first frame where it can be had). HTTP
	// providers may leave it nil when neither ffmpeg nor the provider can
	// give one; the caller then falls back to the source image or none.
	Thumbnail image.Image
}

// VideoProvider generates videos. Generate honours ctx throughout: when it
// returns an error, no temporary file is left behind.
type VideoProvider interface {
	Generate(ctx context.Context, req VideoRequest) (*GeneratedVideo, error)
	Name() string
}

// Video ratios, as the API names them.
const (
	RatioAuto      = "auto"
	RatioLandscape = "16:9"
	RatioPortrait  = "9:16"
	RatioSquare    = "1:1"
)

// normalize checks req and fills its defaults: Duration 5, Ratio auto.
func (req VideoRequest) normalize() (VideoRequest, error) {
	switch req.Duration {
	case 0:
		req.Duration = 5
	case 5, 10:
	default:
		return req, fmt.Errorf("%w: duration %d s (want 5 or 10)", ErrBadVideoRequest, req.Duration)
	}
	switch req.Ratio {
	case "":
		req.Ratio = RatioAuto
	case RatioAuto, RatioLandscape, RatioPortrait, RatioSquare:
	default:
		return req, fmt.Errorf("%w: ratio %q (want auto, 16:9, 9:16 or 1:1)", ErrBadVideoRequest, req.Ratio)
	}
	return req, nil
}

// resolveRatio turns auto into the source image's nearest shape, or 16:9
// without a source.
func resolveRatio(ratio string, source image.Image) string {
	if ratio != RatioAuto {
		return ratio
	}
	if source == nil {
		return RatioLandscape
	}
	b := source.Bounds()
	switch r := float64(b.Dx()) / float64(max(1, b.Dy())); {
	case r > 1.25:
		return RatioLandscape
	case r < 0.8:
		return RatioPortrait
	}
	return RatioSquare
}

// frameSize is the w×h of ratio whose short side is short (long sides are
// rounded to a multiple of 16, as encoders prefer).
func frameSize(ratio string, short int) (int, int) {
	long := (short*16/9 + 8) &^ 15
	switch ratio {
	case RatioPortrait:
		return short, long
	case RatioSquare:
		return short, short
	}
	return long, short
}
