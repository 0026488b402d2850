package media

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"golang.org/x/image/draw"

	"github.com/kira-art/kira/internal/avenc"
)

// Encoders LocalVideo can use, as Encoder reports them.
const (
	EncoderFFmpeg = "ffmpeg" // libx264 through an ffmpeg process
	EncoderGo     = "go"     // the pure-Go intra-only encoder of internal/avenc
)

// Frame shapes per encoder. ffmpeg compresses, so it gets 480p at 24 fps;
// the Go encoder stores raw samples (1.5 bytes per pixel per frame), so it
// stays at 144p and 10 fps: about 5.5 MB for 10 s.
const (
	ffmpegShortSide, ffmpegFPS = 480, 24
	goShortSide, goFPS         = 144, 10
)

// LocalVideoOptions configures NewLocalVideo.
type LocalVideoOptions struct {
	// ForceGo uses the pure-Go encoder even when ffmpeg is installed.
	ForceGo bool
	// FFmpegPath names the ffmpeg binary; "" looks "ffmpeg" up on PATH.
	FFmpegPath string
	// TempDir receives the output files; "" is os.TempDir().
	TempDir string
}

// LocalVideo makes real, playable MP4 clips offline: frames animated from
// the prompt (drifting, pulsing shapes over a shifting gradient, the same
// for the same prompt and seed) or, with a source image, a slow zoom and
// pan over it. It encodes with ffmpeg when installed and otherwise with
// the pure-Go encoder, so the embedded mode works with nothing installed.
// Safe for concurrent use.
type LocalVideo struct {
	opts   LocalVideoOptions
	ffmpeg *avenc.FFmpeg // nil: the Go encoder
	why    string        // why ffmpeg is not used, for logs
}

// NewLocalVideo returns the provider, having looked for a usable ffmpeg.
func NewLocalVideo(opts LocalVideoOptions) *LocalVideo {
	v := &LocalVideo{opts: opts, why: "forced"}
	if !opts.ForceGo {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		ff, err := avenc.FindFFmpeg(ctx, opts.FFmpegPath)
		v.ffmpeg, v.why = ff, ""
		if err != nil {
			v.why = err.Error()
		}
	}
	return v
}

// Name identifies the provider.
func (*LocalVideo) Name() string { return "local" }

// Encoder reports the encoder in use: EncoderFFmpeg or EncoderGo.
func (v *LocalVideo) Encoder() string {
	if v.ffmpeg != nil {
		return EncoderFFmpeg
	}
	return EncoderGo
}

// EncoderNote says why the Go encoder is used ("" with ffmpeg), for the
// start-up log.
func (v *LocalVideo) EncoderNote() string { return v.why }

// Generate renders and encodes the clip into a temporary file.
func (v *LocalVideo) Generate(ctx context.Context, req VideoRequest) (_ *GeneratedVideo, err error) {
	req, err = req.normalize()
	if err != nil {
		return nil, err
	}
	short, fps := goShortSide, goFPS
	if v.ffmpeg != nil {
		short, fps = ffmpegShortSide, ffmpegFPS
	}
	w, h := frameSize(resolveRatio(req.Ratio, req.Source), short)
	seed := req.Seed
	if seed == 0 {
		seed = PromptSeed(req.Prompt)
	}
	frames := newFrames(req, seed, w, h, fps)

	out, err := os.CreateTemp(v.opts.TempDir, "kira-video-*.mp4")
	if err != nil {
		return nil, err
	}
	path := out.Name()
	defer func() {
		if err != nil {
			os.Remove(path)
		}
	}()
	var thumb *image.RGBA
	if v.ffmpeg != nil {
		out.Close()
		thumb, err = v.encodeFFmpeg(ctx, path, frames, req.Duration*fps)
	} else {
		thumb, err = v.encodeGo(ctx, out, frames, req.Duration*fps)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return nil, err
	}
	info, err := probeFile(path, avenc.ProbeMP4)
	if err != nil {
		return nil, fmt.Errorf("media: local video: %w", err)
	}
	return &GeneratedVideo{Path: path, ContentType: "video/mp4", Width: info.Width, Height: info.Height,
		Duration: info.Duration, Thumbnail: thumb}, nil
}

// encodeFFmpeg pipes n frames to ffmpeg; cancelling ctx kills it.
func (v *LocalVideo) encodeFFmpeg(ctx context.Context, path string, f *frames, n int) (*image.RGBA, error) {
	enc, err := v.ffmpeg.NewH264Writer(ctx, path, f.w, f.h, f.fps)
	if err != nil {
		return nil, err
	}
	defer enc.Abort() // after Close, a no-op
	thumb, err := f.each(ctx, n, enc.WriteFrame)
	if err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return thumb, nil
}

// encodeGo writes n frames with the pure-Go encoder, spooling samples to a
// second temporary file so the clip is never held in memory.
func (v *LocalVideo) encodeGo(ctx context.Context, out *os.File, f *frames, n int) (*image.RGBA, error) {
	spool, err := os.CreateTemp(v.opts.TempDir, "kira-video-spool-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	mw, err := avenc.NewMP4Writer(f.w, f.h, f.fps, spool)
	if err != nil {
		return nil, err
	}
	thumb, err := f.each(ctx, n, mw.WriteFrame)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(out, 256<<10)
	if err := mw.Finish(bw); err != nil {
		return nil, err
	}
	return thumb, bw.Flush()
}

// frames draws the clip's pictures one at a time into a reused buffer.
type frames struct {
	w, h, fps int
	draw      func(dst *image.RGBA, t float64) // t in [0, 1] over the clip
}

// each draws n frames, checking ctx before each, passes them to write and
// returns a copy of the first as the thumbnail.
func (f *frames) each(ctx context.Context, n int, write func(*image.RGBA) error) (*image.RGBA, error) {
	dst := image.NewRGBA(image.Rect(0, 0, f.w, f.h))
	var thumb *image.RGBA
	for i := range n {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f.draw(dst, float64(i)/float64(max(1, n-1)))
		if i == 0 {
			thumb = image.NewRGBA(dst.Rect)
			copy(thumb.Pix, dst.Pix)
		}
		if err := write(dst); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
	}
	return thumb, nil
}

func newFrames(req VideoRequest, seed int64, w, h, fps int) *frames {
	f := &frames{w: w, h: h, fps: fps}
	if req.Source != nil {
		f.draw = kenBurns(req.Source, seed, w, h)
	} else {
		f.draw = newScene(req.Prompt, seed, w, h).draw
	}
	return f
}

// kenBurns returns a drawer that zooms slowly into src while panning in a
// direction chosen by seed. src is first scaled once to cover the frame
// with some margin, so each frame is one small bilinear scale.
func kenBurns(src image.Image, seed int64, w, h int) func(*image.RGBA, float64) {
	b := src.Bounds()
	scale := 1.25 * math.Max(float64(w)/float64(b.Dx()), float64(h)/float64(b.Dy()))
	cover := image.NewRGBA(image.Rect(0, 0, max(w, int(float64(b.Dx())*scale)), max(h, int(float64(b.Dy())*scale))))
	draw.ApproxBiLinear.Scale(cover, cover.Rect, src, b, draw.Src, nil)
	cw, ch := float64(cover.Rect.Dx()), float64(cover.Rect.Dy())
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6b62)) // "kb"
	dx, dy := rng.Float64()*2-1, rng.Float64()*2-1
	return func(dst *image.RGBA, t float64) {
		// The crop keeps the frame's shape and shrinks from the whole
		// cover to 80% of it: the picture comes closer.
		zoom := 1 - 0.2*easeInOut(t)
		vw, vh := float64(w)/float64(h), 1.0
		if vw*ch > cw {
			vw, vh = cw, cw/vw
		} else {
			vw, vh = vw*ch, ch
		}
		vw, vh = vw*zoom, vh*zoom
		cx := cw/2 + dx*(cw-vw)/2*easeInOut(t)
		cy := ch/2 + dy*(ch-vh)/2*easeInOut(t)
		scaleBilinear(dst, cover, cx-vw/2, cy-vh/2, vw, vh)
	}
}

func easeInOut(t float64) float64 { return (1 - math.Cos(math.Pi*t)) / 2 }

// scene is a generated animation: a vertical gradient whose colours drift,
// under soft shapes that orbit and pulse. It is drawn at a quarter of the
// frame size and scaled up, as LocalImages does.
type scene struct {
	top, bottom [2]color.RGBA // at the start and the end of the clip
	blobs       []movingBlob
	small       *image.RGBA
}

type movingBlob struct {
	x, y, ax, ay, fx, fy, phase, r float64
	c                              color.RGBA
}

func newScene(prompt string, seed int64, w, h int) *scene {
	rng := rand.New(rand.NewPCG(uint64(PromptSeed(prompt)), uint64(seed)))
	s := &scene{small: image.NewRGBA(image.Rect(0, 0, max(1, w/renderScale), max(1, h/renderScale)))}
	s.top = [2]color.RGBA{randomColor(rng), randomColor(rng)}
	s.bottom = [2]color.RGBA{randomColor(rng), randomColor(rng)}
	sw, sh := float64(s.small.Rect.Dx()), float64(s.small.Rect.Dy())
	s.blobs = make([]movingBlob, 3+rng.IntN(5))
	for i := range s.blobs {
		// Each blob makes between half and two orbits over the clip, so
		// motion is plain at any length.
		s.blobs[i] = movingBlob{x: rng.Float64() * sw, y: rng.Float64() * sh,
			ax: (0.1 + rng.Float64()*0.25) * sw, ay: (0.1 + rng.Float64()*0.25) * sh,
			fx: (0.5 + rng.Float64()*1.5) * 2 * math.Pi, fy: (0.5 + rng.Float64()*1.5) * 2 * math.Pi,
			phase: rng.Float64() * 2 * math.Pi,
			r:     (0.12 + rng.Float64()*0.3) * math.Min(sw, sh), c: randomColor(rng)}
	}
	return s
}

func (s *scene) draw(dst *image.RGBA, t float64) {
	top, bottom := mix(s.top[0], s.top[1], t), mix(s.bottom[0], s.bottom[1], t)
	w, h := s.small.Rect.Dx(), s.small.Rect.Dy()
	type placed struct{ x, y, r2, r float64 }
	at := make([]placed, len(s.blobs))
	for i, b := range s.blobs {
		r := b.r * (1 + 0.2*math.Sin(b.phase+2*math.Pi*t*1.5)) // pulse
		at[i] = placed{b.x + b.ax*math.Sin(b.phase+b.fx*t), b.y + b.ay*math.Cos(b.phase+b.fy*t), r * r, r}
	}
	for y := range h {
		row := mix(top, bottom, float64(y)/float64(h))
		for x := range w {
			c := row
			for i, p := range at {
				dx, dy := float64(x)-p.x, float64(y)-p.y
				if d2 := dx*dx + dy*dy; d2 < p.r2 {
					c = mix(c, s.blobs[i].c, 0.55*(1-math.Sqrt(d2)/p.r))
				}
			}
			s.small.SetRGBA(x, y, c)
		}
	}
	scaleBilinear(dst, s.small, 0, 0, float64(w), float64(h))
}
