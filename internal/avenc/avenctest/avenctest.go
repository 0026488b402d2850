// Package avenctest checks media files with ffprobe and ffmpeg in tests,
// when they are installed: an independent decoder's word that a file the
// Go code wrote or accepted is real.
package avenctest

import (
	"encoding/json"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Stream is what ffprobe reports of a file's first stream of a kind.
type Stream struct {
	Codec    string
	Width    int
	Height   int
	PixFmt   string
	Rate     int // audio sample rate
	Duration time.Duration
}

// Tool returns the path of ffmpeg or ffprobe, or skips the test when it is
// not installed.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed", name)
	}
	return p
}

// Probe runs ffprobe on path for its first stream of kind ("v" or "a"),
// failing the test when ffprobe refuses the file; it skips without ffprobe.
func Probe(t testing.TB, path, kind string) Stream {
	t.Helper()
	out, err := exec.Command(Tool(t, "ffprobe"), "-v", "error", "-select_streams", kind+":0",
		"-show_entries", "stream=codec_name,width,height,pix_fmt,sample_rate:format=duration",
		"-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v %s", path, err, stderr(err))
	}
	var res struct {
		Streams []struct {
			Codec      string `json:"codec_name"`
			Width      int    `json:"width"`
			Height     int    `json:"height"`
			PixFmt     string `json:"pix_fmt"`
			SampleRate string `json:"sample_rate"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Streams) == 0 {
		t.Fatalf("ffprobe %s: no %s stream in %s (%v)", path, kind, out, err)
	}
	s := res.Streams[0]
	secs, _ := strconv.ParseFloat(res.Format.Duration, 64)
	rate, _ := strconv.Atoi(s.SampleRate)
	return Stream{Codec: s.Codec, Width: s.Width, Height: s.Height, PixFmt: s.PixFmt, Rate: rate,
		Duration: time.Duration(secs * float64(time.Second))}
}

// DecodeAll decodes every frame of path with ffmpeg and fails the test on
// any decoding error; it skips without ffmpeg.
func DecodeAll(t testing.TB, path string) {
	t.Helper()
	out, err := exec.Command(Tool(t, "ffmpeg"), "-hide_banner", "-nostdin", "-v", "error", "-xerror",
		"-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("ffmpeg cannot decode %s: %v %s", path, err, out)
	}
}

func stderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
