package tasks_test

import (
	"context"
	"image"
	"image/color"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/media"
)

// clip is a real MP4 rendered once by the local provider (pure-Go
// encoder), which fakes hand out as their result or cut short.
type clip struct {
	data          []byte
	width, height int
	duration      time.Duration
	thumb         image.Image
}

var (
	clipOnce sync.Once
	theClip  clip
	clipErr  error
)

func realClip(t *testing.T) clip {
	t.Helper()
	clipOnce.Do(func() {
		v, err := media.NewLocalVideo(media.LocalVideoOptions{ForceGo: true}).Generate(context.Background(),
			media.VideoRequest{Prompt: "a lighthouse at dusk", Ratio: media.RatioLandscape, Duration: 5})
		if err != nil {
			clipErr = err
			return
		}
		defer os.Remove(v.Path)
		data, err := os.ReadFile(v.Path)
		theClip, clipErr = clip{data: data, width: v.Width, height: v.Height, duration: v.Duration, thumb: v.Thumbnail}, err
	})
	if clipErr != nil {
		t.Fatal(clipErr)
	}
	return theClip
}

// tempFile writes data to a new temporary file, as providers hand over
// their results.
func tempFile(data []byte, pattern string) (string, error) {
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// fakeVideo is a VideoProvider whose n-th call (from 1) does fn(ctx, n).
type fakeVideo struct {
	calls atomic.Int32
	fn    func(ctx context.Context, n int) (*media.GeneratedVideo, error)
}

func (v *fakeVideo) Name() string { return "fake" }

func (v *fakeVideo) Generate(ctx context.Context, _ media.VideoRequest) (*media.GeneratedVideo, error) {
	return v.fn(ctx, int(v.calls.Add(1)))
}

// fakeMusic is the MusicProvider twin of fakeVideo.
type fakeMusic struct {
	calls atomic.Int32
	fn    func(ctx context.Context, n int) (*media.GeneratedSong, error)
}

func (m *fakeMusic) Name() string { return "fake" }

func (m *fakeMusic) Generate(ctx context.Context, _ media.MusicRequest) (*media.GeneratedSong, error) {
	return m.fn(ctx, int(m.calls.Add(1)))
}

// videoOf returns data as a clip shaped like c (data may be c's bytes, cut
// short, or anything else).
func videoOf(c clip, data []byte) (*media.GeneratedVideo, error) {
	path, err := tempFile(data, "fake-video-*.mp4")
	if err != nil {
		return nil, err
	}
	return &media.GeneratedVideo{Path: path, ContentType: "video/mp4", Width: c.width, Height: c.height,
		Duration: c.duration, Thumbnail: c.thumb}, nil
}

// videoBytes always returns data as its clip.
func videoBytes(c clip, data []byte) *fakeVideo {
	return &fakeVideo{fn: func(context.Context, int) (*media.GeneratedVideo, error) { return videoOf(c, data) }}
}

// videoErr always fails with err.
func videoErr(err error) *fakeVideo {
	return &fakeVideo{fn: func(context.Context, int) (*media.GeneratedVideo, error) { return nil, err }}
}

// songBytes returns data as a WAV song with a cover.
func songBytes(data []byte) *fakeMusic {
	return &fakeMusic{fn: func(context.Context, int) (*media.GeneratedSong, error) {
		path, err := tempFile(data, "fake-song-*.wav")
		if err != nil {
			return nil, err
		}
		return &media.GeneratedSong{Path: path, ContentType: "audio/wav", Duration: 2 * time.Second, Title: "t",
			Cover: cover()}, nil
	}}
}

// songErr always fails with err.
func songErr(err error) *fakeMusic {
	return &fakeMusic{fn: func(context.Context, int) (*media.GeneratedSong, error) { return nil, err }}
}

func cover() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := range 64 {
		for x := range 64 {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 4), uint8(y * 4), 90, 255})
		}
	}
	return img
}

// blocker is a provider call that hangs, as a slow or stuck provider
// does: it says it entered, then waits for its ctx to end (returning the
// ctx's error, as a well-behaved provider does) or for release (then it
// returns what after gives).
type blocker struct {
	entered  chan struct{}
	release  chan struct{}
	returned chan error
}

func newBlocker() *blocker {
	return &blocker{entered: make(chan struct{}, 8), release: make(chan struct{}), returned: make(chan error, 8)}
}

func (b *blocker) block(ctx context.Context) error {
	b.entered <- struct{}{}
	select {
	case <-ctx.Done():
		b.returned <- ctx.Err()
		return ctx.Err()
	case <-b.release:
		b.returned <- nil
		return nil
	}
}

// blockingVideo blocks on its first call (returning c once released) and
// returns c at once on later calls.
func blockingVideo(b *blocker, c clip) *fakeVideo {
	return &fakeVideo{fn: func(ctx context.Context, n int) (*media.GeneratedVideo, error) {
		if n == 1 {
			if err := b.block(ctx); err != nil {
				return nil, err
			}
		}
		return videoOf(c, c.data)
	}}
}

// retryableErr is a provider saying "later" (HTTP 503).
func retryableErr() error {
	return &media.ProviderError{Provider: "fake", Op: "job", Status: 503, Message: "busy, try later", Retryable: true}
}

// permanentErr is a provider refusing for good.
func permanentErr() error {
	return &media.ProviderError{Provider: "fake", Op: "job", Code: "failed", Message: "prompt refused by the provider"}
}

// readAndRemove reads a provider's temporary file and removes it.
func readAndRemove(t *testing.T, path string) []byte {
	t.Helper()
	defer os.Remove(path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
