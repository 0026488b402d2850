package embed

import (
	"context"
	"errors"
	"image"
	"math"
)

// LocalModel names the local embedding below; bump the suffix whenever the
// algorithm changes so old vectors are not compared with new ones.
const LocalModel = "local-dct-v1"

const (
	raster    = 32 // the image is reduced to raster×raster cells of luma and chroma
	lowFreq   = 8  // the lowFreq×lowFreq lowest DCT frequencies of the luma raster are kept (minus DC)
	layout    = 4  // colour layout: layout×layout cells of mean Y, Cb, Cr
	maxSample = 8  // at most maxSample² pixels are sampled per raster cell
	// layoutWeight is the norm of the colour layout part against the
	// structure part's 1: it can add at most 0.2 to the cosine similarity,
	// enough to separate flat or recoloured pictures, too little to make two
	// unrelated photos in similar tones look alike.
	layoutWeight = 0.5
)

// LocalDims is the length of LocalModel vectors: 63 structure values and
// 48 colour-layout values.
const LocalDims = lowFreq*lowFreq - 1 + layout*layout*3

// Local is a perceptual embedding computed in-process, in the spirit of a
// pHash and MPEG-7's colour layout descriptor:
//
//   - structure: the image's luma reduced to a 32×32 raster, its 2-D DCT, the
//     8×8 lowest frequencies without DC, each weighted by its frequency
//     (natural images' spectra fall off like 1/f, so this whitens them and
//     lets mid frequencies count as much as the coarsest ones), normalised.
//     Brightness, contrast, scaling and re-compression barely move it.
//   - colour layout: the mean Y (centred on mid-grey), Cb and Cr of a 4×4
//     grid, normalised and weighted by 0.5, so recoloured pictures and flat
//     colour images still differ.
//
// The concatenation is L2-normalised. Copies of one picture (re-encoded,
// resized) land within a cosine distance of a few hundredths; unrelated
// pictures land far above the 0.25 duplicate threshold.
type Local struct{}

// NewLocal returns the local embedder.
func NewLocal() Local { return Local{} }

// Model implements Embedder.
func (Local) Model() string { return LocalModel }

// ErrEmptyImage is returned for images without pixels.
var ErrEmptyImage = errors.New("embed: empty image")

// cosTable[u][x] = cos((2x+1)uπ / 2N), the DCT-II basis for the kept frequencies.
var cosTable = func() (t [lowFreq][raster]float64) {
	for u := range lowFreq {
		for x := range raster {
			t[u][x] = math.Cos(float64(2*x+1) * float64(u) * math.Pi / (2 * raster))
		}
	}
	return t
}()

// Embed implements Embedder.
func (Local) Embed(ctx context.Context, img image.Image) (Vector, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, ErrEmptyImage
	}
	var lum, cb, cr [raster][raster]float64
	sampleCells(img, &lum, &cb, &cr)
	v := make(Vector, 0, LocalDims)
	v = append(v, structure(&lum)...)
	v = append(v, colourLayout(&lum, &cb, &cr)...)
	return Normalize(v), nil
}

// sampleCells fills the rasters with each cell's mean luma and chroma
// (0–255 scale, chroma centred on 0). Every cell is sampled on a small grid
// of pixels, so large images cost at most raster²·maxSample² pixel reads and
// images smaller than the raster still fill every cell.
func sampleCells(img image.Image, lum, cb, cr *[raster][raster]float64) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	kx := min(maxSample, max(1, (w+raster-1)/raster))
	ky := min(maxSample, max(1, (h+raster-1)/raster))
	n := float64(kx * ky)
	for cy := range raster {
		for cx := range raster {
			var sy, su, sv float64
			for j := range ky {
				py := b.Min.Y + int((float64(cy)+(float64(j)+0.5)/float64(ky))*float64(h)/raster)
				for i := range kx {
					px := b.Min.X + int((float64(cx)+(float64(i)+0.5)/float64(kx))*float64(w)/raster)
					r16, g16, b16, _ := img.At(px, py).RGBA()
					r, g, bl := float64(r16)/257, float64(g16)/257, float64(b16)/257
					sy += 0.299*r + 0.587*g + 0.114*bl
					su += -0.168736*r - 0.331264*g + 0.5*bl
					sv += 0.5*r - 0.418688*g - 0.081312*bl
				}
			}
			lum[cy][cx], cb[cy][cx], cr[cy][cx] = sy/n, su/n, sv/n
		}
	}
}

// structure is the frequency-weighted, normalised low-frequency DCT of the
// luma raster without its DC term (DC is overall brightness).
func structure(lum *[raster][raster]float64) Vector {
	// Separable DCT: rows first (only the kept frequencies), then columns.
	var rows [raster][lowFreq]float64
	for y := range raster {
		for u := range lowFreq {
			var s float64
			for x := range raster {
				s += lum[y][x] * cosTable[u][x]
			}
			rows[y][u] = s
		}
	}
	out := make(Vector, 0, lowFreq*lowFreq-1)
	for v := range lowFreq {
		for u := range lowFreq {
			if u == 0 && v == 0 {
				continue
			}
			var s float64
			for y := range raster {
				s += rows[y][u] * cosTable[v][y]
			}
			out = append(out, float32(s*math.Hypot(float64(u), float64(v))))
		}
	}
	return Normalize(out)
}

// colourLayout is the mean Y (centred on mid-grey), Cb and Cr of a coarse
// grid, normalised and then weighted against the structure part. It is
// normalised because its raw size varies wildly (a dark picture has a huge
// one) and would otherwise drown the structure.
func colourLayout(lum, cb, cr *[raster][raster]float64) Vector {
	const cell = raster / layout
	out := make(Vector, 0, layout*layout*3)
	for _, plane := range []*[raster][raster]float64{lum, cb, cr} {
		centre := 0.0
		if plane == lum {
			centre = 128
		}
		for gy := range layout {
			for gx := range layout {
				var s float64
				for y := gy * cell; y < (gy+1)*cell; y++ {
					for x := gx * cell; x < (gx+1)*cell; x++ {
						s += plane[y][x]
					}
				}
				out = append(out, float32(s/(cell*cell)-centre))
			}
		}
	}
	Normalize(out)
	for i := range out {
		out[i] *= layoutWeight
	}
	return out
}
