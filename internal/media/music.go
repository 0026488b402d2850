package media

import (
	"context"
	"fmt"
	"image"
	"strings"
	"time"
)

// MusicRequest asks for one song.
type MusicRequest struct {
	Prompt       string // what the song is about, or its full description
	Lyrics       string // optional; ignored when Instrumental
	Style        string // optional genre/mood tags, e.g. "lo-fi, mellow"
	Title        string // optional; providers derive one when empty
	Instrumental bool
	Model        string // a Kira model name the provider may map; "" is its default
	Seed         int64  // 0 = derived from the request (providers without seeds ignore it)
}

// GeneratedSong is a finished song in a temporary file.
type GeneratedSong struct {
	// Path is a temporary file the caller owns: it moves or removes it.
	Path        string
	ContentType string // "audio/wav" or "audio/mpeg"
	Duration    time.Duration
	Title       string
	// Cover is the song's artwork; the caller encodes it and makes the
	// derivatives. Never nil.
	Cover image.Image
}

// MusicProvider generates songs. Generate honours ctx throughout: when it
// returns an error, no temporary file is left behind.
type MusicProvider interface {
	Generate(ctx context.Context, req MusicRequest) (*GeneratedSong, error)
	Name() string
}

// maxMusicText bounds each text field, as the APIs do (Suno's longest
// prompt is 5000 characters).
const maxMusicText = 5000

func (req MusicRequest) validate() error {
	if strings.TrimSpace(req.Prompt+req.Lyrics+req.Style) == "" {
		return fmt.Errorf("%w: a prompt, lyrics or a style is required", ErrBadMusicRequest)
	}
	for name, s := range map[string]string{"prompt": req.Prompt, "lyrics": req.Lyrics, "style": req.Style, "title": req.Title} {
		if n := len([]rune(s)); n > maxMusicText {
			return fmt.Errorf("%w: %s of %d characters (at most %d)", ErrBadMusicRequest, name, n, maxMusicText)
		}
	}
	return nil
}
