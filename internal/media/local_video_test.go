package media

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/avenc"
	"github.com/kira-art/kira/internal/avenc/avenctest"
)

// localVideos returns the provider for each encoder this machine has: the
// Go one always, ffmpeg when installed.
func localVideos(t *testing.T) map[string]*LocalVideo {
	t.Helper()
	out := map[string]*LocalVideo{EncoderGo: NewLocalVideo(LocalVideoOptions{ForceGo: true, TempDir: t.TempDir()})}
	if v := NewLocalVideo(LocalVideoOptions{TempDir: t.TempDir()}); v.Encoder() == EncoderFFmpeg {
		out[EncoderFFmpeg] = v
	} else {
		t.Logf("ffmpeg path not covered: %s", v.EncoderNote())
	}
	return out
}

// halves is a w×h picture, red on the left and blue on the right.
func halves(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{220, 30, 30, 255}
			if x >= w/2 {
				c = color.RGBA{30, 30, 220, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func TestLocalVideoShapesAndDurations(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		req      VideoRequest
		shape    string // "wide", "tall", "square"
		duration time.Duration
	}{
		{"landscape", VideoRequest{Prompt: "a red fox in the snow", Ratio: "16:9", Duration: 5}, "wide", 5 * time.Second},
		{"portrait 10s", VideoRequest{Prompt: "a lighthouse", Ratio: "9:16", Duration: 10}, "tall", 10 * time.Second},
		{"square", VideoRequest{Prompt: "a cat", Ratio: "1:1"}, "square", 5 * time.Second},
		{"auto without source", VideoRequest{Prompt: "waves"}, "wide", 5 * time.Second},
		{"auto from a portrait source", VideoRequest{Prompt: "zoom in", Ratio: "auto", Source: halves(300, 500)}, "tall", 5 * time.Second},
	}
	for enc, p := range localVideos(t) {
		for _, c := range cases {
			t.Run(enc+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				got, err := p.Generate(context.Background(), c.req)
				if err != nil {
					t.Fatal(err)
				}
				defer os.Remove(got.Path)
				checkVideo(t, got, enc, c.shape, c.duration)
			})
		}
	}
}

// checkVideo asserts on the file itself: our box parser always, ffprobe
// and a full decode by ffmpeg when installed.
func checkVideo(t *testing.T, got *GeneratedVideo, enc, shape string, duration time.Duration) {
	t.Helper()
	if got.ContentType != "video/mp4" || got.Duration != duration {
		t.Fatalf("%s, %v; want video/mp4, %v", got.ContentType, got.Duration, duration)
	}
	data, err := os.ReadFile(got.Path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := avenc.ProbeMP4(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != got.Width || info.Height != got.Height || info.Duration != duration || info.VideoCodec != "avc1" {
		t.Fatalf("file says %+v, result %dx%d", info, got.Width, got.Height)
	}
	if s := orientation(info.Width, info.Height); s != shape {
		t.Fatalf("%dx%d is %s, want %s", info.Width, info.Height, s, shape)
	}
	if bytes.Index(data, []byte("moov")) > bytes.Index(data, []byte("mdat")) {
		t.Fatal("moov after mdat: not faststart")
	}
	if tb := got.Thumbnail.Bounds(); tb.Dx() != got.Width || tb.Dy() != got.Height {
		t.Fatalf("thumbnail %v for %dx%d", tb, got.Width, got.Height)
	}
	s := avenctest.Probe(t, got.Path, "v")
	if s.Codec != "h264" || s.Width != info.Width || s.Height != info.Height ||
		s.Duration < duration-100*time.Millisecond || s.Duration > duration+100*time.Millisecond {
		t.Fatalf("ffprobe %+v, want h264 %dx%d %v", s, info.Width, info.Height, duration)
	}
	if enc == EncoderFFmpeg && s.PixFmt != "yuv420p" {
		t.Fatalf("pixel format %s", s.PixFmt)
	}
	avenctest.DecodeAll(t, got.Path)
}

func orientation(w, h int) string {
	switch {
	case w > h:
		return "wide"
	case w < h:
		return "tall"
	}
	return "square"
}

func TestLocalVideoGoEncoderIsDeterministic(t *testing.T) {
	t.Parallel()
	p := NewLocalVideo(LocalVideoOptions{ForceGo: true, TempDir: t.TempDir()})
	if p.Encoder() != EncoderGo || p.Name() != "local" {
		t.Fatalf("encoder %s name %s", p.Encoder(), p.Name())
	}
	read := func(req VideoRequest) []byte {
		got, err := p.Generate(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(got.Path)
		data, _ := os.ReadFile(got.Path)
		return data
	}
	a, again := read(VideoRequest{Prompt: "a red fox", Seed: 7}), read(VideoRequest{Prompt: "a red fox", Seed: 7})
	other := read(VideoRequest{Prompt: "a blue whale", Seed: 7})
	if !bytes.Equal(a, again) {
		t.Fatal("the same request gave different files")
	}
	if bytes.Equal(a, other) {
		t.Fatal("different prompts gave the same file")
	}
}

// checker is a w×h picture of 10-pixel squares, which shows any zoom.
func checker(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := uint8(40 + 170*((x/10+y/10)%2))
			img.SetRGBA(x, y, color.RGBA{v, v, uint8(x), 255})
		}
	}
	return img
}

// meanDiff is the mean absolute difference of two same-sized pictures.
func meanDiff(a, b *image.RGBA) float64 {
	var sum int
	for i := range a.Pix {
		d := int(a.Pix[i]) - int(b.Pix[i])
		sum += max(d, -d)
	}
	return float64(sum) / float64(len(a.Pix))
}

func TestLocalVideoFramesMove(t *testing.T) {
	t.Parallel()
	for name, req := range map[string]VideoRequest{
		"generated": {Prompt: "dancing lights", Duration: 5},
		"source":    {Prompt: "zoom", Duration: 5, Source: checker(400, 300)},
	} {
		f := newFrames(req, 3, 256, 144, 10)
		first, mid, last := image.NewRGBA(image.Rect(0, 0, 256, 144)), image.NewRGBA(image.Rect(0, 0, 256, 144)), image.NewRGBA(image.Rect(0, 0, 256, 144))
		f.draw(first, 0)
		f.draw(mid, 0.5)
		f.draw(last, 1)
		if d1, d2 := meanDiff(first, mid), meanDiff(mid, last); d1 < 1 || d2 < 1 {
			t.Errorf("%s: frames barely change (%.2f, %.2f)", name, d1, d2)
		}
	}
	// Image-to-video keeps the source's picture: red left, blue right.
	f := newFrames(VideoRequest{Source: halves(400, 300)}, 1, 256, 144, 10)
	img := image.NewRGBA(image.Rect(0, 0, 256, 144))
	f.draw(img, 0)
	if l, r := img.RGBAAt(20, 72), img.RGBAAt(236, 72); l.R < 150 || l.B > 100 || r.B < 150 || r.R > 100 {
		t.Fatalf("source lost: left %v right %v", l, r)
	}
}

// countdown is a context whose Err turns to Canceled after n checks, to
// cancel a generation part-way through without timing.
type countdown struct {
	context.Context
	n atomic.Int32
}

func (c *countdown) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func TestLocalVideoCancelLeavesNoFile(t *testing.T) {
	t.Parallel()
	for enc := range localVideos(t) {
		dir := t.TempDir()
		p := NewLocalVideo(LocalVideoOptions{ForceGo: enc == EncoderGo, TempDir: dir})
		for _, n := range []int32{0, 20} {
			ctx := &countdown{Context: context.Background()}
			ctx.n.Store(n)
			if _, err := p.Generate(ctx, VideoRequest{Prompt: "x", Duration: 10}); !errors.Is(err, context.Canceled) {
				t.Fatalf("%s after %d checks: %v, want Canceled", enc, n, err)
			}
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Fatalf("%s left %d files behind", enc, len(left))
		}
	}
}

func TestLocalVideoRefusesBadRequests(t *testing.T) {
	t.Parallel()
	p := NewLocalVideo(LocalVideoOptions{ForceGo: true, TempDir: t.TempDir()})
	for _, req := range []VideoRequest{{Prompt: "x", Duration: 7}, {Prompt: "x", Ratio: "4:3"}, {Prompt: "x", Duration: -5}} {
		_, err := p.Generate(context.Background(), req)
		if !errors.Is(err, ErrBadRequest) || !errors.Is(err, ErrBadVideoRequest) || Retryable(err) {
			t.Errorf("%+v: %v", req, err)
		}
	}
	if v := NewLocalVideo(LocalVideoOptions{FFmpegPath: "/nonexistent/ffmpeg"}); v.Encoder() != EncoderGo || v.EncoderNote() == "" {
		t.Fatalf("missing ffmpeg: encoder %s note %q", v.Encoder(), v.EncoderNote())
	}
}
