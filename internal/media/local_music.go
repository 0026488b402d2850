package media

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/kira-art/kira/internal/avenc"
)

// musicRate: 22.05 kHz mono 16-bit is ample for these instruments and
// keeps a minute under 2.7 MB.
const musicRate = 22050

// LocalMusic synthesises real WAV songs offline and deterministically (the
// same request gives the same bytes): a planned song with pads, bass,
// melody (sung by a vibrato voice unless instrumental) and drums, 30–90 s
// long, with a generated cover and a title from the prompt.
type LocalMusic struct {
	// Length fixes the song length; 0 lets the request choose 30–90 s.
	// Tests use a few seconds.
	Length time.Duration
	// TempDir receives the output files; "" is os.TempDir().
	TempDir string
}

// Name identifies the provider.
func (LocalMusic) Name() string { return "local" }

// Generate renders the song into a temporary WAV file.
func (m LocalMusic) Generate(ctx context.Context, req MusicRequest) (_ *GeneratedSong, err error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	plan := newSongPlan(req, musicRate, m.Length)
	f, err := os.CreateTemp(m.TempDir, "kira-song-*.wav")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	err = writeSong(ctx, f, plan)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	info, err := probeFile(f.Name(), avenc.ProbeWAV)
	if err != nil {
		return nil, fmt.Errorf("media: local music: %w", err)
	}
	return &GeneratedSong{Path: f.Name(), ContentType: "audio/wav", Duration: info.Duration,
		Title: songTitle(req), Cover: songCover(req, plan.seed)}, nil
}

// writeSong streams the song bar by bar: each bar is rendered with room
// for the notes that ring past it, and that tail is carried into the next.
func writeSong(ctx context.Context, f *os.File, p *songPlan) error {
	w := bufio.NewWriterSize(f, 64<<10)
	if _, err := w.Write(avenc.WAVHeader(p.rate, 1, p.frames)); err != nil {
		return err
	}
	barLen, tail := p.barFrames(), p.rate
	carry := make([]float64, tail)
	pcm := make([]int16, 0, barLen)
	var out []byte
	for bar, done := 0, 0; done < p.frames; bar++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		buf := make([]float64, barLen+tail)
		copy(buf, carry)
		p.renderBar(buf, bar)
		n := min(barLen, p.frames-done)
		pcm = pcm[:0]
		for i := range n {
			pcm = append(pcm, p.master(buf[i], done+i))
		}
		out = avenc.AppendPCM16(out[:0], pcm)
		if _, err := w.Write(out); err != nil {
			return err
		}
		copy(carry, buf[barLen:])
		done += n
	}
	return w.Flush()
}

// master fades the ends in and out and soft-clips to 16 bits.
func (p *songPlan) master(v float64, i int) int16 {
	t, left := float64(i)/float64(p.rate), float64(p.frames-i)/float64(p.rate)
	fade := math.Min(1, math.Min(t/0.3, left/2))
	return int16(30000 * math.Tanh(1.3*v*fade) / math.Tanh(1.3))
}

// renderBar mixes every instrument's notes of bar into buf, which starts
// at the bar's first sample.
func (p *songPlan) renderBar(buf []float64, bar int) {
	sec, beat, rate := p.sectionOf(bar), p.beatFrames(), p.rate
	at := func(b float64) int { return int(b * beat) }
	beatSec := 60 / p.bpm
	ch := p.chord(bar)
	for _, d := range []int{0, 2, 4} { // the triad, around middle C
		padVoice.addNote(buf, rate, 0, p.pitch(p.tonic+12, ch+d), 4*beatSec*0.95, 0.07)
	}
	if sec == intro || sec == outro {
		return
	}
	bassBeats := []float64{0, 2}
	if sec == chorus {
		bassBeats = []float64{0, 1, 2, 2.5, 3}
	}
	for _, b := range bassBeats {
		bassVoice.addNote(buf, rate, at(b), p.pitch(p.tonic-12, ch), 0.8*beatSec, 0.22)
	}
	lead, amp := leadVoice, 0.14
	if p.vocal {
		lead, amp = vocalVoice, 0.12
	}
	half := float64(4 * (bar % 2)) // which bar of the two-bar phrase
	for _, n := range p.melody[sec] {
		if n.beat >= half && n.beat < half+4 {
			lead.addNote(buf, rate, at(n.beat-half), p.pitch(p.tonic+12, n.degree), n.length*beatSec*0.9, amp)
		}
	}
	p.drums(buf, bar, sec, at)
}

func (p *songPlan) drums(buf []float64, bar int, sec section, at func(float64) int) {
	nr := rand.New(rand.NewPCG(p.seed, uint64(bar)))
	noise := func() float64 { return nr.Float64()*2 - 1 }
	kicks := []float64{0, 2}
	if sec == chorus {
		kicks = []float64{0, 1.5, 2, 3}
	}
	for _, b := range kicks {
		addKick(buf, p.rate, at(b), 0.5)
	}
	for _, b := range []float64{1, 3} {
		addSnare(buf, p.rate, at(b), 0.25, noise)
	}
	for b := 0.0; b < 4; b += 0.5 {
		addHat(buf, p.rate, at(b), 0.08, noise)
	}
}

// stopWords are left out of titles.
var stopWords = map[string]bool{"a": true, "an": true, "the": true, "of": true, "about": true, "with": true,
	"and": true, "for": true, "to": true, "in": true, "on": true, "song": true, "track": true, "music": true,
	"make": true, "me": true, "create": true, "generate": true, "write": true, "compose": true, "please": true,
	"some": true, "that": true, "is": true, "my": true, "instrumental": true, "tune": true, "piece": true}

func notLetter(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsNumber(r) && r != '\'' && r != '-'
}

// songTitle is the request's title, or up to four words of the prompt (or
// style) in title case, or a name picked by the seed.
func songTitle(req MusicRequest) string {
	if t := strings.TrimSpace(req.Title); t != "" {
		return t
	}
	var words []string
	for _, w := range strings.FieldsFunc(req.Prompt+" "+req.Style, notLetter) {
		if !stopWords[strings.ToLower(w)] && len(words) < 4 {
			r := []rune(strings.ToLower(w))
			r[0] = unicode.ToUpper(r[0])
			words = append(words, string(r))
		}
	}
	if len(words) > 0 {
		return strings.Join(words, " ")
	}
	adj := []string{"Velvet", "Golden", "Quiet", "Electric", "Silver", "Wild", "Distant", "Paper"}
	noun := []string{"Morning", "Rivers", "Skyline", "Echoes", "Lanterns", "Tides", "Hours", "Gardens"}
	s := musicSeed(req)
	return adj[s%8] + " " + noun[s/8%8]
}

// songCover renders the artwork as LocalImages would for the prompt.
func songCover(req MusicRequest, seed uint64) image.Image {
	const size = 512
	prompt := req.Prompt + " " + req.Style
	return upscale(render(size/renderScale, size/renderScale, prompt, int64(seed>>1), nil), size, size)
}
