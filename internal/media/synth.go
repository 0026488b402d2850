package media

import "math"

// A few instruments for LocalMusic, built on a sine table so that a minute
// of four-part music renders in well under a second.

const sineBits = 12

var sineTable = func() (t [1<<sineBits + 1]float64) {
	for i := range t {
		t[i] = math.Sin(2 * math.Pi * float64(i) / (1 << sineBits))
	}
	return t
}()

// sine is sin(2π·phase) for phase in cycles, interpolated from the table.
func sine(phase float64) float64 {
	phase -= math.Floor(phase)
	x := phase * (1 << sineBits)
	i := int(x)
	f := x - float64(i)
	return sineTable[i] + (sineTable[i+1]-sineTable[i])*f
}

// midiHz is the frequency of a MIDI note number (69 = A4 = 440 Hz).
func midiHz(note float64) float64 { return 440 * math.Pow(2, (note-69)/12) }

// envelope is attack-decay-sustain-release over a note of length dur
// seconds, at time t seconds into it (release runs after dur).
func envelope(t, dur, attack, decay, sustain, release float64) float64 {
	switch {
	case t < 0:
		return 0
	case t < attack:
		return t / attack
	case t < attack+decay:
		return 1 - (1-sustain)*(t-attack)/decay
	case t < dur:
		return sustain
	case t < dur+release:
		return sustain * (1 - (t-dur)/release)
	}
	return 0
}

// voice is one instrument's timbre: harmonic amplitudes, an envelope and
// optional vibrato.
type voice struct {
	harmonics                       []float64
	attack, decay, sustain, release float64
	vibrato                         float64 // depth in semitones, at 5.5 Hz
}

var (
	padVoice  = voice{harmonics: []float64{1, 0.5, 0.33, 0.25, 0.2}, attack: 0.4, decay: 0.5, sustain: 0.7, release: 0.6}
	bassVoice = voice{harmonics: []float64{1, 0.6, 0.15}, attack: 0.01, decay: 0.25, sustain: 0.5, release: 0.08}
	leadVoice = voice{harmonics: []float64{1, 0, 0.11, 0, 0.04}, attack: 0.02, decay: 0.15, sustain: 0.6, release: 0.12}
	// vocal is a rounder lead with vibrato, singing where lyrics are.
	vocalVoice = voice{harmonics: []float64{1, 0.45, 0.3, 0.12, 0.08}, attack: 0.06, decay: 0.2, sustain: 0.8, release: 0.15, vibrato: 0.25}
)

// addNote mixes one note of v into buf (rate Hz) starting at sample start,
// lasting dur seconds plus the release, at amplitude amp.
func (v voice) addNote(buf []float64, rate, start int, note, dur, amp float64) {
	hz := midiHz(note)
	end := min(len(buf), start+int((dur+v.release)*float64(rate)))
	var phase float64
	for i := max(0, start); i < end; i++ {
		t := float64(i-start) / float64(rate)
		f := hz
		if v.vibrato != 0 && t > 0.15 { // vibrato sets in after the onset, as singers do
			f *= math.Pow(2, v.vibrato*sine(5.5*t)/12)
		}
		phase += f / float64(rate)
		var s float64
		for h, a := range v.harmonics {
			if a != 0 {
				s += a * sine(phase*float64(h+1))
			}
		}
		buf[i] += amp * envelope(t, dur, v.attack, v.decay, v.sustain, v.release) * s
	}
}

// Drums: a kick is a falling sine, a snare a tone under a noise burst, a
// hat a short burst of differentiated (brighter) noise. noise is a
// deterministic source in [-1, 1).
func addKick(buf []float64, rate, start int, amp float64) {
	var phase float64
	for i := max(0, start); i < min(len(buf), start+rate/4); i++ {
		t := float64(i-start) / float64(rate)
		phase += (45 + 75*math.Exp(-t*30)) / float64(rate)
		buf[i] += amp * math.Exp(-t*14) * sine(phase)
	}
}

func addSnare(buf []float64, rate, start int, amp float64, noise func() float64) {
	for i := max(0, start); i < min(len(buf), start+rate/5); i++ {
		t := float64(i-start) / float64(rate)
		buf[i] += amp * (0.6*noise()*math.Exp(-t*22) + 0.4*sine(180*t)*math.Exp(-t*30))
	}
}

func addHat(buf []float64, rate, start int, amp float64, noise func() float64) {
	prev := 0.0
	for i := max(0, start); i < min(len(buf), start+rate/20); i++ {
		t := float64(i-start) / float64(rate)
		n := noise()
		buf[i] += amp * (n - prev) * math.Exp(-t*90)
		prev = n
	}
}
