package seed

import (
	"image"
	"image/color"

	"github.com/kira-art/kira/internal/avenc"
	"github.com/kira-art/kira/internal/imaging"
)

// Seeded videos are real, playable MP4 files made without ffmpeg by the
// pure-Go intra-only H.264 encoder of internal/avenc. It is large per
// pixel, so clips are tiny (about 160×96, 8 fps, 5 s, ~1 MB) and only a
// handful exist in the pool.

const videoFPS = 8

// videoSize picks a macroblock-aligned frame size with the poster's shape.
func videoSize(w, h int) (int, int) {
	switch {
	case w > h:
		return 160, 96
	case w < h:
		return 96, 160
	}
	return 128, 128
}

// renderVideo animates poster with a slow zoom and pan (the "Ken Burns"
// effect) and returns the MP4 file with its frame size.
func renderVideo(poster image.Image, frames int, seed uint64) ([]byte, int, int) {
	b := poster.Bounds()
	w, h := videoSize(b.Dx(), b.Dy())
	src := imaging.Resize(poster, 2*w)
	sw, sh := float64(src.Bounds().Dx()), float64(src.Bounds().Dy())
	panX := []float64{-1, 1}[seed%2]
	samples := make([][]byte, frames)
	for f := range frames {
		t := float64(f) / float64(max(1, frames-1))
		zoom := 1 - 0.18*t // the crop shrinks: the picture comes closer
		cx, cy := sw/2+panX*0.06*sw*t, sh/2
		samples[f] = avenc.IDRFrame(w, h, f%2, func(x, y int) color.RGBA {
			sx := cx + (float64(x)/float64(w)-0.5)*sw*zoom
			sy := cy + (float64(y)/float64(h)-0.5)*sh*zoom
			px := min(max(int(sx), 0), int(sw)-1)
			py := min(max(int(sy), 0), int(sh)-1)
			return src.RGBAAt(px, py)
		})
	}
	return avenc.MuxMP4(w, h, videoFPS, avenc.SPS(w, h), avenc.PPS(), samples), w, h
}
