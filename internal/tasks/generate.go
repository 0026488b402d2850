package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"os"
	"time"

	"github.com/kira-art/kira/internal/avenc"
	"github.com/kira-art/kira/internal/files"
	"github.com/kira-art/kira/internal/imaging"
	"github.com/kira-art/kira/internal/media"
	"github.com/kira-art/kira/internal/store"
)

// params are the generation parameters kept with a task
// (media_tasks.params), as the agent's tools wrote them. Wrong types
// decode as zero values field by field, like the view layer's reading.
type params struct {
	Duration     float64 `json:"duration"`
	Ratio        string  `json:"ratio"`
	Model        string  `json:"model"`
	Lyrics       string  `json:"lyrics"`
	Style        string  `json:"style"`
	Title        string  `json:"title"`
	Instrumental bool    `json:"instrumental"`
}

func parseParams(raw []byte) params {
	var p params
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return p
	}
	for name, dst := range map[string]any{"duration": &p.Duration, "ratio": &p.Ratio, "model": &p.Model,
		"lyrics": &p.Lyrics, "style": &p.Style, "title": &p.Title, "instrumental": &p.Instrumental} {
		if v, ok := fields[name]; ok {
			json.Unmarshal(v, dst) //nolint:errcheck // a wrong type stays zero
		}
	}
	return p
}

// generate calls the provider and stages the result files; it returns the
// completion to record and the staged files (to discard if it cannot be).
func (s *Service) generate(ctx context.Context, t store.MediaTask) (store.TaskResult, []store.File, error) {
	if t.Kind == store.MediaVideo {
		return s.generateVideo(ctx, t)
	}
	return s.generateSong(ctx, t)
}

func (s *Service) generateVideo(ctx context.Context, t store.MediaTask) (store.TaskResult, []store.File, error) {
	p := parseParams(t.Params)
	req := media.VideoRequest{Prompt: t.Prompt, Ratio: p.Ratio, Duration: videoSeconds(p.Duration), Model: p.Model}
	if t.SourceImageID != "" {
		src, err := s.d.Files.Load(ctx, t.UserID, t.SourceImageID)
		if err != nil {
			return store.TaskResult{}, nil, fmt.Errorf("%w: source image %s: %v", media.ErrBadRequest, t.SourceImageID, err)
		}
		req.Source = src
	}
	v, err := s.d.Video.Generate(ctx, req)
	if err != nil {
		return store.TaskResult{}, nil, err
	}
	defer os.Remove(v.Path)
	thumb := v.Thumbnail
	if thumb == nil {
		thumb = req.Source // a provider without posters: the source image
	}
	res := store.TaskResult{Width: v.Width, Height: v.Height, Duration: v.Duration}
	staged, err := s.stage(ctx, t, v.Path, v.ContentType, thumb, &res)
	return res, staged, err
}

func (s *Service) generateSong(ctx context.Context, t store.MediaTask) (store.TaskResult, []store.File, error) {
	p := parseParams(t.Params)
	song, err := s.d.Music.Generate(ctx, media.MusicRequest{Prompt: t.Prompt, Lyrics: p.Lyrics, Style: p.Style,
		Title: p.Title, Instrumental: p.Instrumental, Model: p.Model})
	if err != nil {
		return store.TaskResult{}, nil, err
	}
	defer os.Remove(song.Path)
	res := store.TaskResult{Duration: song.Duration}
	staged, err := s.stage(ctx, t, song.Path, song.ContentType, song.Cover, &res)
	return res, staged, err
}

// stage stores the result file at path and its thumbnail or cover image,
// filling res; on failure nothing staged remains.
func (s *Service) stage(ctx context.Context, t store.MediaTask, path, contentType string, cover image.Image, res *store.TaskResult) ([]store.File, error) {
	kind := imaging.KindVideo
	if t.Kind == store.MediaAudio {
		kind = imaging.KindAudio
	}
	if err := checkResult(path, kind); err != nil {
		return nil, err
	}
	result, err := s.d.Files.StageMedia(ctx, t.UserID, kind, path, contentType)
	if err != nil {
		return nil, err
	}
	result.Prompt, result.ToolName = t.Prompt, t.Kind
	staged := []store.File{result}
	res.Result = result
	if cover != nil {
		thumb, err := s.d.Files.StageImage(ctx, t.UserID, cover)
		if err != nil {
			s.d.Files.Discard(context.WithoutCancel(ctx), staged...)
			return nil, err
		}
		res.Thumb, res.Blurhash = thumb, thumb.Blurhash
		staged = append(staged, thumb)
	}
	return staged, nil
}

// checkResult refuses a provider's result that is not a whole file of
// its kind. Staging sniffs only the head, which a truncated download keeps,
// so the container is walked here (every box or chunk inside the file)
// and a file cut short fails the task instead of being served.
func checkResult(path, kind string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: %v", files.ErrBrokenMedia, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%w: %v", files.ErrBrokenMedia, err)
	}
	head := make([]byte, imaging.SniffLen)
	n, _ := f.ReadAt(head, 0) // a short file gives what it has
	format, _ := imaging.Sniff(head[:n])
	switch {
	case format == imaging.MP4 && kind == imaging.KindVideo:
		var info avenc.MP4Info
		info, err = avenc.ProbeMP4(f, st.Size())
		if err == nil && (info.Width <= 0 || info.Height <= 0 || info.Duration <= 0) {
			err = fmt.Errorf("video of %dx%d, %v", info.Width, info.Height, info.Duration)
		}
	case format == imaging.WAV && kind == imaging.KindAudio:
		_, err = avenc.ProbeWAV(f, st.Size())
	case format == imaging.MP3 && kind == imaging.KindAudio:
		_, err = avenc.ProbeMP3(f, st.Size())
	default:
		err = fmt.Errorf("%q is not a generated %s format", format.ContentType, kind)
	}
	if err != nil {
		return fmt.Errorf("%w: %v", files.ErrBrokenMedia, err)
	}
	return nil
}

// videoSeconds maps a stored duration to the 5 or 10 s a provider makes.
func videoSeconds(d float64) int {
	if d > 7.5 {
		return 10
	}
	return 5
}

// Timeouts a job of each kind gets by default (configurable).
const (
	DefaultVideoTimeout = 30 * time.Minute
	DefaultMusicTimeout = 10 * time.Minute
)
