package media

import (
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// A song plan is everything LocalMusic derives from the request before it
// renders a sample: key, mode, tempo, chord progressions, melodies and the
// form (intro, verses and choruses, outro). All of it comes from a PRNG
// seeded by the request, nudged by mood words, so the same request always
// gives the same song.

type section int

const (
	intro section = iota
	verse
	chorus
	outro
)

// melNote is a note of a two-bar phrase: start and length in beats, and a
// scale degree above the melody's tonic (7 is the octave).
type melNote struct {
	beat, length float64
	degree       int
}

type songPlan struct {
	rate       int
	bpm        float64
	tonic      int // MIDI note of the key, 48..59 (C3..B3)
	scale      [7]int
	verseProg  [4]int // scale degrees of the chords, one per bar
	chorusProg [4]int
	melody     map[section][]melNote
	vocal      bool
	bars       int
	frames     int
	seed       uint64
}

var (
	majorScale = [7]int{0, 2, 4, 5, 7, 9, 11}
	minorScale = [7]int{0, 2, 3, 5, 7, 8, 10}
	majorProgs = [][4]int{{0, 4, 5, 3}, {0, 5, 3, 4}, {5, 3, 0, 4}, {0, 3, 4, 3}, {3, 4, 2, 5}}
	minorProgs = [][4]int{{0, 5, 2, 6}, {0, 3, 4, 0}, {0, 6, 5, 6}, {0, 5, 3, 4}, {5, 6, 0, 0}}
)

// Mood words move the tempo range and choose the mode; a stem matches
// any word starting with it ("danc" matches dance and dancing).
var (
	slowStems  = []string{"calm", "chill", "ambient", "lofi", "lo-fi", "slow", "sleep", "lullab", "soft", "relax", "peace", "medit", "ballad"}
	fastStems  = []string{"danc", "edm", "upbeat", "energ", "fast", "party", "rock", "punk", "techno", "house", "run", "workout", "happy"}
	minorStems = []string{"sad", "dark", "melanch", "lonel", "night", "rain", "moody", "blue", "grief", "tears", "haunt", "minor", "cold"}
	majorStems = []string{"happy", "joy", "sun", "bright", "summer", "love", "party", "cheer", "major", "hope"}
)

func hasStem(text string, stems []string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(text), notLetter) {
		for _, s := range stems {
			if strings.HasPrefix(w, s) {
				return true
			}
		}
	}
	return false
}

// musicSeed derives the song's seed from everything that shapes it.
func musicSeed(req MusicRequest) uint64 {
	if req.Seed != 0 {
		return uint64(req.Seed)
	}
	key := req.Prompt + "\x00" + req.Lyrics + "\x00" + req.Style
	if req.Instrumental {
		key += "\x00instrumental"
	}
	return uint64(PromptSeed(key))
}

// newSongPlan plans a song at rate Hz; length 0 lets the seed choose
// 30–90 s.
func newSongPlan(req MusicRequest, rate int, length time.Duration) *songPlan {
	seed := musicSeed(req)
	r := rand.New(rand.NewPCG(seed, 0x6d75736963)) // "music"
	text := req.Prompt + " " + req.Style
	p := &songPlan{rate: rate, tonic: 48 + r.IntN(12), vocal: !req.Instrumental, seed: seed,
		melody: map[section][]melNote{}}
	lo, hi := 84.0, 124.0
	switch {
	case hasStem(text, slowStems):
		lo, hi = 66, 88
	case hasStem(text, fastStems):
		lo, hi = 116, 140
	}
	p.bpm = math.Round(lo + r.Float64()*(hi-lo))
	minor := r.IntN(2) == 0
	switch {
	case hasStem(text, minorStems):
		minor = true
	case hasStem(text, majorStems):
		minor = false
	}
	progs := majorProgs
	p.scale = majorScale
	if minor {
		progs, p.scale = minorProgs, minorScale
	}
	v := r.IntN(len(progs))
	p.verseProg = progs[v]
	p.chorusProg = progs[(v+1+r.IntN(len(progs)-1))%len(progs)]
	if length <= 0 {
		length = time.Duration(30+r.IntN(61)) * time.Second
	}
	p.frames = int(length.Seconds() * float64(rate))
	p.bars = int(math.Ceil(float64(p.frames) / float64(p.barFrames())))
	p.melody[verse] = phrase(r, 0)
	p.melody[chorus] = phrase(r, 2) // a third higher: choruses lift
	return p
}

// phrase makes a two-bar melody: a random walk over the scale from lift,
// in note lengths that fill eight beats, with a few rests, ending on a
// chord tone.
func phrase(r *rand.Rand, lift int) []melNote {
	lengths := []float64{0.5, 0.5, 1, 1, 1, 1.5, 2}
	var out []melNote
	deg := lift + r.IntN(3)
	for beat := 0.0; beat < 8; {
		l := math.Min(lengths[r.IntN(len(lengths))], 8-beat)
		if r.IntN(6) > 0 || beat == 0 { // about one note in six is a rest
			out = append(out, melNote{beat: beat, length: l, degree: deg})
		}
		deg = min(max(deg+r.IntN(5)-2, 0), 9)
		beat += l
	}
	last := &out[len(out)-1]
	last.degree = []int{0, 2, 4, 7}[r.IntN(4)] + lift/2*2
	return out
}

func (p *songPlan) beatFrames() float64 { return 60 / p.bpm * float64(p.rate) }
func (p *songPlan) barFrames() int      { return int(4 * p.beatFrames()) }

// sectionOf lays out the form: two bars of intro and outro around
// alternating eight-bar verses and choruses (short songs skip the intro
// and outro).
func (p *songPlan) sectionOf(bar int) section {
	if p.bars >= 8 {
		switch {
		case bar < 2:
			return intro
		case bar >= p.bars-2:
			return outro
		}
		bar -= 2
	}
	if bar/8%2 == 1 {
		return chorus
	}
	return verse
}

// chord returns the scale degree of bar's chord.
func (p *songPlan) chord(bar int) int {
	if p.sectionOf(bar) == chorus {
		return p.chorusProg[bar%4]
	}
	return p.verseProg[bar%4]
}

// pitch is the MIDI note of a scale degree (any integer) above base.
func (p *songPlan) pitch(base, degree int) float64 {
	oct := int(math.Floor(float64(degree) / 7))
	return float64(base + 12*oct + p.scale[degree-7*oct])
}
