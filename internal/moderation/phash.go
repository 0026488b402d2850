package moderation

import (
	"fmt"
	"image"
	"math"
	"math/bits"
	"slices"
	"strconv"

	"golang.org/x/image/draw"
)

// PHash is the DCT-based 64-bit perceptual hash of img: the image is scaled
// to 32×32 (an averaging kernel, so the result barely depends on the input
// size), turned to luma, transformed with a 2-D DCT-II, and the 8×8 lowest
// frequencies are compared with their median. The DC term (overall
// brightness) carries no structure: its bit is always 0 and it is left out
// of the median, so 63 bits describe the image's shape. Re-encoding,
// resizing and mild colour changes move a few bits; different images differ
// in about half of them.
//
// Bit i (from the most significant) is coefficient (u, v) = (i/8, i%8).
func PHash(img image.Image) uint64 {
	const n, k = 32, 8
	small := image.NewRGBA(image.Rect(0, 0, n, n))
	draw.CatmullRom.Scale(small, small.Bounds(), img, img.Bounds(), draw.Src, nil)
	var luma [n][n]float64
	for y := range n {
		for x := range n {
			c := small.RGBAAt(x, y)
			luma[y][x] = 0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B)
		}
	}
	coef := dctLow(&luma)
	ac := make([]float64, 0, k*k-1)
	for i := 1; i < k*k; i++ {
		ac = append(ac, coef[i/k][i%k])
	}
	med := median(ac)
	var h uint64
	for i := 1; i < k*k; i++ {
		if coef[i/k][i%k] > med {
			h |= 1 << (63 - i)
		}
	}
	return h
}

// dctLow returns the 8×8 lowest-frequency coefficients of the 2-D DCT-II
// of a 32×32 block (unnormalised: only their order matters), computed
// separably: rows first, then columns.
func dctLow(in *[32][32]float64) [8][8]float64 {
	const n, k = 32, 8
	var cos [8][n]float64
	for u := range k {
		for x := range n {
			cos[u][x] = math.Cos(float64(2*x+1) * float64(u) * math.Pi / (2 * n))
		}
	}
	var rows [n][8]float64 // rows[y][u]: row y's u-th frequency
	for y := range n {
		for u := range k {
			var s float64
			for x := range n {
				s += in[y][x] * cos[u][x]
			}
			rows[y][u] = s
		}
	}
	var out [8][8]float64 // out[v][u]: vertical frequency v, horizontal u
	for v := range k {
		for u := range k {
			var s float64
			for y := range n {
				s += rows[y][u] * cos[v][y]
			}
			if math.Abs(s) < 1e-6 {
				s = 0 // rounding noise of a flat area, not structure: flat images hash to 0
			}
			out[v][u] = s
		}
	}
	return out
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// Distance is the Hamming distance between two hashes: the number of
// differing bits, 0 (same picture) to 64.
func Distance(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// FormatHash writes a hash the way blocked-phash.txt lists it: 16
// lower-case hex digits.
func FormatHash(h uint64) string { return fmt.Sprintf("%016x", h) }

// ParseHash reads 16 hex digits (either case).
func ParseHash(s string) (uint64, error) {
	if len(s) != 16 {
		return 0, fmt.Errorf("perceptual hash %q: want 16 hex digits", s)
	}
	h, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("perceptual hash %q: want 16 hex digits", s)
	}
	return h, nil
}
