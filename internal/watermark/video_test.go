//go:build linux

package watermark

import (
	"context"
	"encoding/json"
	"errors"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kira-art/kira/content"
)

// needFFmpeg returns ffmpeg's path, skipping the test when it is missing.
func needFFmpeg(t *testing.T) string {
	t.Helper()
	path, err := FindFFmpeg()
	if errors.Is(err, ErrNoFFmpeg) {
		t.Skip("ffmpeg not on PATH: video watermark tests skipped (apt-get install ffmpeg)")
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe not on PATH: video watermark tests skipped")
	}
	return path
}

// fixture holds the logo and a 1 s 160x90 test clip with a sine tone.
type fixture struct{ dir, logo, clip string }

func newFixture(t *testing.T, ffmpeg string) fixture {
	t.Helper()
	dir := t.TempDir()
	f := fixture{dir: dir, logo: filepath.Join(dir, "logo.png"), clip: filepath.Join(dir, "in.mp4")}
	if err := os.WriteFile(f.logo, content.WatermarkLogo(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error",
		"-f", "lavfi", "-i", "testsrc=size=160x90:rate=24:duration=1",
		"-f", "lavfi", "-i", "sine=frequency=440:duration=1",
		"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
		"-movflags", "+faststart", f.clip).CombinedOutput()
	if err != nil {
		t.Fatalf("making the test clip: %v: %s", err, out)
	}
	return f
}

type probed struct {
	Streams []struct {
		CodecType string `json:"codec_type"`
		CodecName string `json:"codec_name"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
}

func probe(t *testing.T, path string) (p probed, seconds float64) {
	t.Helper()
	raw, err := exec.Command("ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	seconds, err = strconv.ParseFloat(p.Format.Duration, 64)
	if err != nil {
		t.Fatalf("duration %q: %v", p.Format.Duration, err)
	}
	return p, seconds
}

func TestVideoOverlaysTheLogo(t *testing.T) {
	t.Parallel()
	ffmpeg := needFFmpeg(t)
	f := newFixture(t, ffmpeg)
	out := filepath.Join(f.dir, "out.mp4")
	if err := Video(context.Background(), ffmpeg, f.clip, out, f.logo, VideoOptions{Threads: 1}); err != nil {
		t.Fatal(err)
	}
	p, secs := probe(t, out)
	if p.Format.FormatName != "mov,mp4,m4a,3gp,3g2,mj2" || len(p.Streams) != 2 {
		t.Fatalf("output %+v", p)
	}
	v, a := p.Streams[0], p.Streams[1]
	if v.CodecType != "video" || v.CodecName != "h264" || v.Width != 160 || v.Height != 90 {
		t.Errorf("video stream %+v, want h264 160x90", v)
	}
	if a.CodecType != "audio" || a.CodecName != "aac" {
		t.Errorf("audio stream %+v, want the copied aac", a)
	}
	if _, inSecs := probe(t, f.clip); secs < inSecs-0.1 || secs > inSecs+0.1 {
		t.Errorf("duration %.3f s, input %.3f s", secs, inSecs)
	}
	in, _ := os.ReadFile(f.clip)
	got, _ := os.ReadFile(out)
	if string(in) == string(got) {
		t.Error("output equals the input")
	}
	assertMarkedAt(t, ffmpeg, f.clip, out, MarkRect(image.Pt(160, 90), image.Pt(367, 185)))
	left, _ := filepath.Glob(filepath.Join(f.dir, ".watermark-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// assertMarkedAt compares the first frames of in and out: the mark's
// rectangle (as Image would place it) differs clearly, a same-sized
// corner far from it only by compression noise.
func assertMarkedAt(t *testing.T, ffmpeg, in, out string, mark image.Rectangle) {
	t.Helper()
	a, b := firstFrame(t, ffmpeg, in), firstFrame(t, ffmpeg, out)
	diff := func(r image.Rectangle) float64 {
		sum := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				i := (y*160 + x) * 3
				for k := range 3 {
					sum += abs(int(a[i+k]) - int(b[i+k]))
				}
			}
		}
		return float64(sum) / float64(3*r.Dx()*r.Dy())
	}
	far := mark.Sub(mark.Min) // top-left corner, same size
	if dm, df := diff(mark), diff(far); dm < 10 || df > 3 {
		t.Errorf("mean difference %.1f in the mark %v, %.1f far from it %v", dm, mark, df, far)
	}
}

// firstFrame decodes the first frame of a 160x90 clip as packed RGB.
func firstFrame(t *testing.T, ffmpeg, path string) []byte {
	t.Helper()
	raw, err := exec.Command(ffmpeg, "-nostdin", "-v", "error", "-i", path, "-frames:v", "1",
		"-f", "rawvideo", "-pix_fmt", "rgb24", "-").Output()
	if err != nil || len(raw) != 160*90*3 {
		t.Fatalf("first frame of %s: %v (%d bytes)", path, err, len(raw))
	}
	return raw
}

func abs(n int) int { return max(n, -n) }

// TestVideoWebMOddSize: a WebM upload (VP8, no audio) of an odd size
// comes out as H.264 MP4 cropped to even dimensions.
func TestVideoWebMOddSize(t *testing.T) {
	t.Parallel()
	ffmpeg := needFFmpeg(t)
	f := newFixture(t, ffmpeg)
	in := filepath.Join(f.dir, "in.webm")
	if out, err := exec.Command(ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error",
		"-f", "lavfi", "-i", "testsrc=size=65x37:rate=10:duration=1", "-c:v", "libvpx", "-b:v", "200k", in).CombinedOutput(); err != nil {
		t.Fatalf("making the WebM: %v: %s", err, out)
	}
	out := filepath.Join(f.dir, "webm.mp4")
	if err := Video(context.Background(), ffmpeg, in, out, f.logo, VideoOptions{}); err != nil {
		t.Fatal(err)
	}
	p, _ := probe(t, out)
	if len(p.Streams) != 1 || p.Streams[0].CodecName != "h264" || p.Streams[0].Width != 64 || p.Streams[0].Height != 36 {
		t.Errorf("output %+v, want one h264 stream 64x36", p)
	}
}

// TestVideoBrokenInput feeds files ffmpeg cannot read and checks each run
// fails cleanly: an error with ffmpeg's words, the process reaped, no
// output file.
func TestVideoBrokenInput(t *testing.T) {
	t.Parallel()
	ffmpeg := needFFmpeg(t)
	f := newFixture(t, ffmpeg)
	clip, err := os.ReadFile(f.clip)
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{
		"truncated-head.mp4": clip[:1000],
		"truncated-half.mp4": clip[:len(clip)/2],
		"text.mp4":           []byte("this is not a video\n"),
		"empty.mp4":          nil,
		"playlist.mp4":       []byte("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:" + f.clip + "\n#EXT-X-ENDLIST\n"),
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := filepath.Join(f.dir, name)
			if err := os.WriteFile(in, data, 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(f.dir, "out-"+name)
			var proc *os.Process
			err := Video(context.Background(), ffmpeg, in, out, f.logo, VideoOptions{started: func(p *os.Process) { proc = p }})
			var ferr *FFmpegError
			if !errors.As(err, &ferr) || ferr.Stderr == "" {
				t.Fatalf("error %v, want an FFmpegError with ffmpeg's message", err)
			}
			assertGone(t, proc)
			if name == "playlist.mp4" && !strings.Contains(ferr.Stderr, "whitelist") {
				t.Errorf("the HLS demuxer was not refused: %s", ferr.Stderr)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("output exists after a failed run: %v", err)
			}
		})
	}
}

// fifo makes a named pipe nobody writes: ffmpeg opening it blocks for
// ever, the stuck run a context must end.
func fifo(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "stuck.mp4")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestVideoCancelKillsFFmpeg(t *testing.T) {
	t.Parallel()
	ffmpeg := needFFmpeg(t)
	dir := t.TempDir()
	logo := filepath.Join(dir, "logo.png")
	if err := os.WriteFile(logo, content.WatermarkLogo(), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var proc *os.Process
	started := func(p *os.Process) {
		proc = p
		go func() {
			waitRunning(t, p)
			cancel()
		}()
	}
	err := Video(ctx, ffmpeg, fifo(t, dir), filepath.Join(dir, "out.mp4"), logo, VideoOptions{started: started})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	assertGone(t, proc)
}

func TestVideoTimeoutKillsFFmpeg(t *testing.T) {
	t.Parallel()
	ffmpeg := needFFmpeg(t)
	dir := t.TempDir()
	logo := filepath.Join(dir, "logo.png")
	if err := os.WriteFile(logo, content.WatermarkLogo(), 0o600); err != nil {
		t.Fatal(err)
	}
	var proc *os.Process
	opts := VideoOptions{Timeout: 300 * time.Millisecond, started: func(p *os.Process) { proc = p }}
	begin := time.Now()
	err := Video(context.Background(), ffmpeg, fifo(t, dir), filepath.Join(dir, "out.mp4"), logo, opts)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(begin); took > 5*time.Second {
		t.Errorf("the timed-out run took %v to return", took)
	}
	assertGone(t, proc)
}

// TestVideoLimiter holds the only slot and checks a second run gives up
// with ErrBusy without starting ffmpeg, then runs once the slot is free.
func TestVideoLimiter(t *testing.T) {
	t.Parallel()
	ffmpeg := needFFmpeg(t)
	f := newFixture(t, ffmpeg)
	lim := NewLimiter(1, 50*time.Millisecond)
	release, err := lim.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ran := false
	opts := VideoOptions{Limiter: lim, started: func(*os.Process) { ran = true }}
	out := filepath.Join(f.dir, "out.mp4")
	if err := Video(context.Background(), ffmpeg, f.clip, out, f.logo, opts); !errors.Is(err, ErrBusy) || ran {
		t.Fatalf("error %v (ffmpeg started: %v), want ErrBusy before starting", err, ran)
	}
	release()
	if err := Video(context.Background(), ffmpeg, f.clip, out, f.logo, opts); err != nil || !ran {
		t.Fatalf("after release: %v (ffmpeg started: %v)", err, ran)
	}
	if lim.Running() != 0 {
		t.Errorf("%d slots still taken", lim.Running())
	}
}

func TestVideoRejectsBadOptions(t *testing.T) {
	t.Parallel()
	for _, o := range []VideoOptions{{CRF: 52}, {CRF: -1}, {Threads: -1}, {Timeout: -time.Second}} {
		if err := Video(context.Background(), "/nonexistent/ffmpeg", "a", "b", "c", o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if err := Video(context.Background(), "/nonexistent/ffmpeg", "", "b", "c", VideoOptions{}); err == nil {
		t.Error("an empty path was accepted")
	}
}

// assertGone checks the ffmpeg process has exited and was reaped: no
// zombie, no orphan left to run on.
func assertGone(t *testing.T, p *os.Process) {
	t.Helper()
	if p == nil {
		t.Fatal("ffmpeg never started")
	}
	if err := syscall.Kill(p.Pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("ffmpeg pid %d still exists after Video returned (kill 0: %v)", p.Pid, err)
	}
}

// waitRunning polls /proc until the process is past exec (its command
// line names ffmpeg), so a cancel kills a real ffmpeg, not a fork.
func waitRunning(t *testing.T, p *os.Process) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if exe, err := os.Readlink("/proc/" + strconv.Itoa(p.Pid) + "/exe"); err == nil && filepath.Base(exe) == "ffmpeg" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("ffmpeg pid %d never seen running", p.Pid)
}
