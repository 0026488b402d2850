package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/avenc/avenctest"
)

func generateSong(t *testing.T, m LocalMusic, req MusicRequest) (*GeneratedSong, []byte) {
	t.Helper()
	song, err := m.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(song.Path) })
	data, err := os.ReadFile(song.Path)
	if err != nil {
		t.Fatal(err)
	}
	return song, data
}

func TestLocalMusicWritesAWAVSong(t *testing.T) {
	t.Parallel()
	m := LocalMusic{Length: 4 * time.Second, TempDir: t.TempDir()}
	song, data := generateSong(t, m, MusicRequest{Prompt: "an upbeat song about summer in Lisbon", Lyrics: "la la la"})
	if song.ContentType != "audio/wav" || song.Duration != 4*time.Second || song.Title != "Upbeat Summer Lisbon" {
		t.Fatalf("%s %v %q", song.ContentType, song.Duration, song.Title)
	}
	// The header, field by field.
	le := binary.LittleEndian
	frames := 4 * musicRate
	switch {
	case string(data[:4]) != "RIFF" || string(data[8:16]) != "WAVEfmt ":
		t.Fatalf("magic % x", data[:16])
	case int(le.Uint32(data[4:]))+8 != len(data) || len(data) != 44+2*frames:
		t.Fatalf("RIFF size %d, file %d, want %d", le.Uint32(data[4:]), len(data), 44+2*frames)
	case le.Uint32(data[16:]) != 16 || le.Uint16(data[20:]) != 1 || le.Uint16(data[22:]) != 1:
		t.Fatalf("fmt chunk % x", data[16:24])
	case le.Uint32(data[24:]) != musicRate || le.Uint32(data[28:]) != 2*musicRate || le.Uint16(data[32:]) != 2 || le.Uint16(data[34:]) != 16:
		t.Fatalf("rates % x", data[24:36])
	case string(data[36:40]) != "data" || int(le.Uint32(data[40:])) != 2*frames:
		t.Fatalf("data chunk % x", data[36:44])
	}
	checkMusical(t, data[44:])
	if b := song.Cover.Bounds(); b.Dx() != 512 || b.Dy() != 512 {
		t.Fatalf("cover %v", b)
	}
	s := avenctest.Probe(t, song.Path, "a")
	if s.Codec != "pcm_s16le" || s.Rate != musicRate || s.Duration != 4*time.Second {
		t.Fatalf("ffprobe %+v", s)
	}
}

// checkMusical asserts the samples are loud enough, not clipped flat, and
// change over time (a rhythm), which one sine would not.
func checkMusical(t *testing.T, pcm []byte) {
	t.Helper()
	window := musicRate / 8
	var levels []float64
	for off := 2 * musicRate / 2; off+2*window <= len(pcm); off += 2 * window {
		var sum float64
		for i := range window {
			v := float64(int16(binary.LittleEndian.Uint16(pcm[off+2*i:])))
			sum += v * v
		}
		levels = append(levels, math.Sqrt(sum/float64(window)))
	}
	lo, hi := math.Inf(1), 0.0
	for _, l := range levels {
		lo, hi = math.Min(lo, l), math.Max(hi, l)
	}
	if hi < 1500 {
		t.Fatalf("too quiet: loudest window RMS %.0f", hi)
	}
	if hi/lo < 1.3 {
		t.Fatalf("no rhythm: window RMS between %.0f and %.0f", lo, hi)
	}
}

func TestLocalMusicIsDeterministicPerRequest(t *testing.T) {
	t.Parallel()
	m := LocalMusic{Length: 3 * time.Second, TempDir: t.TempDir()}
	_, a := generateSong(t, m, MusicRequest{Prompt: "a calm piano piece"})
	_, again := generateSong(t, m, MusicRequest{Prompt: "a calm piano piece"})
	_, other := generateSong(t, m, MusicRequest{Prompt: "a punk anthem"})
	_, inst := generateSong(t, m, MusicRequest{Prompt: "a calm piano piece", Instrumental: true})
	if !bytes.Equal(a, again) {
		t.Fatal("the same request gave different songs")
	}
	if bytes.Equal(a, other) || bytes.Equal(a, inst) {
		t.Fatal("different requests gave the same song")
	}
}

func TestSongPlanLengthAndMood(t *testing.T) {
	t.Parallel()
	for _, prompt := range []string{"a", "b", "c", "a long ballad", "techno"} {
		p := newSongPlan(MusicRequest{Prompt: prompt}, musicRate, 0)
		if secs := float64(p.frames) / musicRate; secs < 30 || secs > 90 {
			t.Errorf("%q: %.1f s", prompt, secs)
		}
	}
	if p := newSongPlan(MusicRequest{Prompt: "a calm lullaby for a rainy night"}, musicRate, 0); p.bpm > 88 || p.scale != minorScale {
		t.Errorf("calm, rainy: %v bpm, scale %v", p.bpm, p.scale)
	}
	if p := newSongPlan(MusicRequest{Prompt: "x", Style: "dance, party"}, musicRate, 0); p.bpm < 116 || p.scale != majorScale {
		t.Errorf("dance party: %v bpm, scale %v", p.bpm, p.scale)
	}
	// A default-length song has its form: intro, verses, choruses, outro.
	p := newSongPlan(MusicRequest{Prompt: "form"}, musicRate, time.Minute)
	seen := map[section]bool{}
	for bar := range p.bars {
		seen[p.sectionOf(bar)] = true
	}
	if len(seen) != 4 {
		t.Errorf("sections %v in %d bars", seen, p.bars)
	}
}

func TestSongTitle(t *testing.T) {
	t.Parallel()
	for req, want := range map[MusicRequest]string{
		{Prompt: "Make me a song about the ocean at dawn"}:  "Ocean At Dawn",
		{Prompt: "x", Title: "  My Title "}:                 "My Title",
		{Style: "dream-pop, shoegaze"}:                      "Dream-pop Shoegaze",
		{Prompt: "a song", Lyrics: "only lyrics here"}:      songTitle(MusicRequest{Prompt: "a song", Lyrics: "only lyrics here"}),
		{Prompt: "one two three four five six seven eight"}: "One Two Three Four",
	} {
		if got := songTitle(req); got != want || got == "" {
			t.Errorf("%+v: %q, want %q", req, got, want)
		}
	}
	if got := songTitle(MusicRequest{Prompt: "a song", Lyrics: "la"}); got == "" || got == "Song" {
		t.Errorf("fallback title %q", got)
	}
}

func TestLocalMusicRefusesAndCancels(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := LocalMusic{Length: 10 * time.Second, TempDir: dir}
	for _, req := range []MusicRequest{{}, {Prompt: "  "}, {Prompt: string(make([]rune, 6000))}} {
		if _, err := m.Generate(context.Background(), req); !errors.Is(err, ErrBadMusicRequest) || !errors.Is(err, ErrBadRequest) {
			t.Errorf("%.20q: %v", req.Prompt, err)
		}
	}
	for _, n := range []int32{0, 1, 3} {
		ctx := &countdown{Context: context.Background()}
		ctx.n.Store(n)
		if _, err := m.Generate(ctx, MusicRequest{Prompt: "x"}); !errors.Is(err, context.Canceled) {
			t.Fatalf("after %d checks: %v", n, err)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("%d files left behind", len(left))
	}
}
