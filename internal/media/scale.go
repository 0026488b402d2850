package media

import (
	"image"
	"math"
)

// scaleBilinear fills dst with the rectangle (x, y, w, h) of src (in src
// pixel coordinates, fractional) resampled bilinearly. It exists because
// video frames are resampled hundreds of times per clip and
// golang.org/x/image/draw's generic path costs ~10x more per pixel: this
// one is fixed-point, with the column taps computed once per frame.
func scaleBilinear(dst, src *image.RGBA, x, y, w, h float64) {
	dw, dh := dst.Rect.Dx(), dst.Rect.Dy()
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	type tap struct{ i0, i1, f int32 } // byte offsets of the two columns, weight of the second in 1/256
	cols := make([]tap, dw)
	for dx := range cols {
		i0, i1, f := taps(x+(float64(dx)+0.5)*w/float64(dw)-0.5, sw)
		cols[dx] = tap{int32(4 * i0), int32(4 * i1), int32(f)}
	}
	for dy := range dh {
		r0, r1, fy := taps(y+(float64(dy)+0.5)*h/float64(dh)-0.5, sh)
		row0 := src.Pix[r0*src.Stride:]
		row1 := src.Pix[r1*src.Stride:]
		out := dst.Pix[dy*dst.Stride : dy*dst.Stride+4*dw]
		gy := int32(fy)
		for dx, c := range cols {
			o := out[4*dx : 4*dx+4 : 4*dx+4]
			a, b := row0[c.i0:c.i0+4:c.i0+4], row0[c.i1:c.i1+4:c.i1+4]
			p, q := row1[c.i0:c.i0+4:c.i0+4], row1[c.i1:c.i1+4:c.i1+4]
			for k := range 4 {
				top := int32(a[k])<<8 + (int32(b[k])-int32(a[k]))*c.f
				bot := int32(p[k])<<8 + (int32(q[k])-int32(p[k]))*c.f
				o[k] = uint8((top<<8 + (bot-top)*gy + 1<<15) >> 16)
			}
		}
	}
}

// taps returns the two source indexes around coordinate v (clamped to
// 0..n-1) and the weight of the second, in 1/256.
func taps(v float64, n int) (int, int, int) {
	v = math.Max(0, math.Min(v, float64(n-1)))
	i0 := int(v)
	i1 := min(i0+1, n-1)
	return i0, i1, int((v - float64(i0)) * 256)
}
