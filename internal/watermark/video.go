package watermark

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrNoFFmpeg means no ffmpeg binary was found: video watermarking is
// unavailable (the download route answers 503).
var ErrNoFFmpeg = errors.New("watermark: ffmpeg is not installed (not found on PATH)")

// DefaultVideoTimeout bounds one ffmpeg run when VideoOptions.Timeout is 0:
// generous for the minute-long clips the providers make, yet a hung run
// cannot hold a Limiter slot forever.
const DefaultVideoTimeout = 10 * time.Minute

// stderrLimit bounds the ffmpeg output kept for the error message; its
// last lines say what went wrong.
const stderrLimit = 4 << 10

// FindFFmpeg returns the path of ffmpeg on PATH, or an error wrapping
// ErrNoFFmpeg.
func FindFFmpeg() (string, error) {
	path, err := exec.LookPath("ffmpeg")
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoFFmpeg, err)
	}
	return path, nil
}

// VideoOptions tunes Video. The zero value is usable.
type VideoOptions struct {
	// Limiter caps concurrent runs; nil runs without a cap, so callers
	// serving requests should always pass their shared one.
	Limiter *Limiter
	// Timeout bounds the ffmpeg run on top of ctx; 0 is DefaultVideoTimeout.
	Timeout time.Duration
	// CRF is libx264's quality, 1-51 (lower is better); 0 is 23.
	CRF int
	// Threads caps ffmpeg's encoder threads; 0 leaves it to ffmpeg.
	Threads int

	started func(*os.Process) // test hook: the process just started
}

// FFmpegError is a failed ffmpeg run: its exit status and the tail of
// what it printed, for logs (never for clients: it names file paths).
type FFmpegError struct {
	Err    error  // from exec: usually an *exec.ExitError
	Stderr string // the last stderrLimit bytes, trimmed
}

func (e *FFmpegError) Error() string {
	if e.Stderr == "" {
		return "watermark: ffmpeg: " + e.Err.Error()
	}
	return "watermark: ffmpeg: " + e.Err.Error() + ": " + e.Stderr
}

func (e *FFmpegError) Unwrap() error { return e.Err }

// Video writes to out an H.264 MP4 (yuv420p, faststart) of in with the
// logo at logoPNGPath overlaid bottom-right as Image places it, audio
// copied. Nothing from the caller reaches ffmpeg's filter graph — the
// graph is built from this package's constants — and paths are passed as
// file: URLs in an argument list, never through a shell. out appears only
// when the run succeeds (written beside it, then renamed). A broken
// input, a timeout or a cancelled ctx ends the run with an error after
// ffmpeg has exited and been reaped. Odd frame sizes lose their last
// row or column, as yuv420p needs even ones.
func Video(ctx context.Context, ffmpegPath, in, out, logoPNGPath string, opts VideoOptions) error {
	if err := opts.validate(); err != nil {
		return err
	}
	paths, err := absolute(in, out, logoPNGPath)
	if err != nil {
		return err
	}
	if opts.Limiter != nil {
		release, err := opts.Limiter.Acquire(ctx)
		if err != nil {
			return err
		}
		defer release()
	}
	tmp, err := os.CreateTemp(filepath.Dir(paths[1]), ".watermark-*.mp4")
	if err != nil {
		return fmt.Errorf("watermark: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if err := run(ctx, ffmpegPath, videoArgs(paths[0], tmp.Name(), paths[2], opts), opts); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), paths[1]); err != nil {
		return fmt.Errorf("watermark: %w", err)
	}
	return nil
}

func (o *VideoOptions) validate() error {
	switch {
	case o.CRF < 0 || o.CRF > 51:
		return fmt.Errorf("watermark: CRF %d outside 0-51", o.CRF)
	case o.Threads < 0 || o.Threads > 64:
		return fmt.Errorf("watermark: Threads %d outside 0-64", o.Threads)
	case o.Timeout < 0:
		return fmt.Errorf("watermark: negative Timeout")
	}
	return nil
}

func absolute(paths ...string) ([]string, error) {
	abs := make([]string, len(paths))
	for i, p := range paths {
		if p == "" {
			return nil, errors.New("watermark: empty path")
		}
		a, err := filepath.Abs(p)
		if err != nil {
			return nil, fmt.Errorf("watermark: %w", err)
		}
		abs[i] = a
	}
	return abs, nil
}

// run executes ffmpeg under the timeout; exec.CommandContext kills it
// when ctx ends, and WaitDelay stops Wait from hanging on its stderr pipe.
func run(ctx context.Context, ffmpeg string, args []string, opts VideoOptions) error {
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultVideoTimeout
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	stderr := &tail{}
	cmd := exec.CommandContext(runCtx, ffmpeg, args...)
	cmd.Stderr = stderr // stdin and stdout: the null device
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return &FFmpegError{Err: err}
	}
	if opts.started != nil {
		opts.started(cmd.Process)
	}
	err := cmd.Wait()
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("watermark: ffmpeg stopped: %w", ctx.Err())
	case runCtx.Err() != nil:
		return fmt.Errorf("watermark: ffmpeg ran over %v: %w", timeout, runCtx.Err())
	case err != nil:
		return &FFmpegError{Err: err, Stderr: stderr.String()}
	}
	return nil
}

// videoArgs is the ffmpeg command line. The demuxers are limited to MP4
// and Matroska/WebM (what uploads and providers give) so a crafted file
// cannot pick, say, the HLS or concat demuxer and make ffmpeg read other
// files or URLs; -xerror turns decode errors of a truncated or corrupt
// input into a failed run instead of a silently short output.
func videoArgs(in, out, logo string, opts VideoOptions) []string {
	crf := opts.CRF
	if crf == 0 {
		crf = 23
	}
	args := []string{
		"-nostdin", "-hide_banner", "-loglevel", "error", "-xerror", "-y",
		"-format_whitelist", "mov,matroska", "-i", "file:" + in,
		"-f", "png_pipe", "-i", "file:" + logo,
		"-filter_complex", overlayFilter(),
		"-map", "[out]", "-map", "0:a?",
		"-c:v", "libx264", "-preset", "veryfast", "-crf", strconv.Itoa(crf), "-pix_fmt", "yuv420p",
		"-c:a", "copy", "-movflags", "+faststart",
	}
	if opts.Threads > 0 {
		args = append(args, "-threads", strconv.Itoa(opts.Threads))
	}
	return append(args, "-f", "mp4", "file:"+out)
}

// overlayFilter scales the logo against the video (scale2ref, so the
// size follows the frame without probing it first), fades it to the
// package's opacity and overlays it at MarkRect's place; every number
// comes from the constants Image uses.
func overlayFilter() string {
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	width := fmt.Sprintf("min(main_w,max(%d,round(min(main_w,main_h)*%s)))", minMarkWidth, num(markShare))
	margin := fmt.Sprintf("max(1,round(min(W,H)*%s))", num(marginShare))
	return strings.Join([]string{
		fmt.Sprintf("[1:v][0:v]scale2ref=w='%s':h=-1[logo][video]", width),
		fmt.Sprintf("[logo]format=rgba,colorchannelmixer=aa=%s[mark]", num(opacity)),
		fmt.Sprintf("[video][mark]overlay=x='W-w-%s':y='H-h-%s',crop=trunc(iw/2)*2:trunc(ih/2)*2[out]", margin, margin),
	}, ";")
}

// tail keeps the last stderrLimit bytes written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - stderrLimit; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(strings.ToValidUTF8(string(t.buf), "?"))
}
