package seed

import (
	"math"
	"math/rand/v2"

	"github.com/kira-art/kira/internal/avenc"
)

// Songs are short real WAV files: a random pentatonic melody over a drone,
// 8 kHz mono 16-bit, so a pool of them stays well under a megabyte.
const (
	songRate   = 8000
	songMillis = 6000
	noteMillis = 375 // eighth notes at 80 bpm
)

// renderSong returns a playable WAV file, deterministic in seed.
func renderSong(seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x736f6e67)) // "song"
	scale := []float64{0, 2, 4, 7, 9, 12, 14, 16}
	root := 196.0 * math.Pow(2, float64(r.IntN(7))/12) // G3 up to C#4
	n := songRate * songMillis / 1000
	samples := make([]int16, n)
	perNote := songRate * noteMillis / 1000
	var freq float64
	for i := range samples {
		if i%perNote == 0 {
			freq = root * 2 * math.Pow(2, scale[r.IntN(len(scale))]/12)
		}
		t := float64(i) / songRate
		pos := float64(i%perNote) / float64(perNote)
		env := math.Min(1, pos*20) * math.Exp(-3*pos) // quick attack, soft decay
		v := 0.45*env*math.Sin(2*math.Pi*freq*t) + 0.15*math.Sin(2*math.Pi*root/2*t)
		fade := math.Min(1, math.Min(t*4, float64(n-i)/songRate*4)) // no clicks at the ends
		samples[i] = int16(v * fade * 32000)
	}
	return avenc.EncodeWAV(songRate, samples)
}
