package avenc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// FFmpeg is an ffmpeg binary that has the libx264 encoder.
type FFmpeg struct {
	Path string
}

// FindFFmpeg looks ffmpeg up on PATH (or at path, when not empty) and
// checks that it can encode H.264 with libx264; an error says why not.
func FindFFmpeg(ctx context.Context, path string) (*FFmpeg, error) {
	if path == "" {
		path = "ffmpeg"
	}
	p, err := exec.LookPath(path)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, p, "-hide_banner", "-encoders").Output()
	if err != nil {
		return nil, fmt.Errorf("avenc: %s -encoders: %w", p, err)
	}
	if !bytes.Contains(out, []byte(" libx264 ")) {
		return nil, fmt.Errorf("avenc: %s has no libx264 encoder", p)
	}
	return &FFmpeg{Path: p}, nil
}

// stderrTail keeps the end of ffmpeg's diagnostics for error messages.
type stderrTail struct{ buf []byte }

const stderrKeep = 2 << 10

func (s *stderrTail) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	if len(s.buf) > stderrKeep {
		s.buf = s.buf[len(s.buf)-stderrKeep:]
	}
	return len(p), nil
}

func (s *stderrTail) String() string { return strings.TrimSpace(string(s.buf)) }

// H264Writer pipes raw RGBA frames to an ffmpeg process that encodes them
// as H.264 (libx264, yuv420p) into a faststart MP4 file. Cancelling the
// context given to NewH264Writer kills the process.
type H264Writer struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *stderrTail
	w, h   int
	closed bool
	err    error // what Close reports once closed
}

// NewH264Writer starts ffmpeg writing out (an existing file is replaced)
// from w×h frames (even sizes) at fps.
func (f *FFmpeg) NewH264Writer(ctx context.Context, out string, w, h, fps int) (*H264Writer, error) {
	if w <= 0 || h <= 0 || w%2 != 0 || h%2 != 0 || fps <= 0 {
		return nil, fmt.Errorf("avenc: ffmpeg frame size %dx%d at %d fps (want even sizes)", w, h, fps)
	}
	cmd := exec.CommandContext(ctx, f.Path, "-hide_banner", "-nostdin", "-loglevel", "error",
		"-f", "rawvideo", "-pix_fmt", "rgba", "-s", strconv.Itoa(w)+"x"+strconv.Itoa(h), "-r", strconv.Itoa(fps),
		"-i", "pipe:0",
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
		"-movflags", "+faststart", "-f", "mp4", "-y", out)
	cmd.WaitDelay = 5 * time.Second // a killed ffmpeg's pipes must not hang Wait
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	tail := &stderrTail{}
	cmd.Stderr = tail
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("avenc: starting ffmpeg: %w", err)
	}
	return &H264Writer{cmd: cmd, stdin: stdin, stderr: tail, w: w, h: h}, nil
}

// WriteFrame sends img (exactly w×h, bounds starting at 0,0) as the next
// frame.
func (e *H264Writer) WriteFrame(img *image.RGBA) error {
	if b := img.Bounds(); b != image.Rect(0, 0, e.w, e.h) {
		return fmt.Errorf("avenc: frame bounds %v for %dx%d", b, e.w, e.h)
	}
	var err error
	if img.Stride == 4*e.w {
		_, err = e.stdin.Write(img.Pix[:4*e.w*e.h])
	} else {
		for y := range e.h {
			if _, err = e.stdin.Write(img.Pix[y*img.Stride : y*img.Stride+4*e.w]); err != nil {
				break
			}
		}
	}
	if err != nil {
		// ffmpeg exited early; its stderr says why.
		return e.fail(fmt.Errorf("avenc: writing to ffmpeg: %w", err))
	}
	return nil
}

// Close ends the input and waits for ffmpeg to finish the file.
func (e *H264Writer) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	e.stdin.Close()
	if err := e.cmd.Wait(); err != nil {
		e.err = e.wrap(err)
	}
	return e.err
}

// Abort stops ffmpeg without finishing the file.
func (e *H264Writer) Abort() {
	if e.closed {
		return
	}
	e.closed, e.err = true, errors.New("avenc: ffmpeg writer aborted")
	e.stdin.Close()
	if e.cmd.Process != nil {
		e.cmd.Process.Kill()
	}
	e.cmd.Wait() //nolint:errcheck // killed on purpose
}

func (e *H264Writer) fail(err error) error {
	e.Abort()
	e.err = e.wrap(err)
	return e.err
}

func (e *H264Writer) wrap(err error) error {
	if msg := e.stderr.String(); msg != "" {
		return fmt.Errorf("avenc: ffmpeg: %w: %s", err, msg)
	}
	return fmt.Errorf("avenc: ffmpeg: %w", err)
}

// maxFrameImage bounds the PNG read back from ffmpeg.
const maxFrameImage = 64 << 20

// FirstFrame decodes the first video frame of the file at path (any format
// ffmpeg reads), for posters of downloaded videos.
func (f *FFmpeg) FirstFrame(ctx context.Context, path string) (image.Image, error) {
	cmd := exec.CommandContext(ctx, f.Path, "-hide_banner", "-nostdin", "-loglevel", "error",
		"-i", path, "-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "pipe:1")
	cmd.WaitDelay = 5 * time.Second
	tail := &stderrTail{}
	cmd.Stderr = tail
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("avenc: starting ffmpeg: %w", err)
	}
	img, decErr := png.Decode(io.LimitReader(stdout, maxFrameImage))
	io.Copy(io.Discard, stdout) //nolint:errcheck // drain so ffmpeg can exit
	waitErr := cmd.Wait()
	if err := errors.Join(waitErr, decErr); err != nil {
		if msg := tail.String(); msg != "" {
			return nil, fmt.Errorf("avenc: ffmpeg first frame: %w: %s", err, msg)
		}
		return nil, fmt.Errorf("avenc: ffmpeg first frame: %w", err)
	}
	return img, nil
}
