package embed_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kira-art/kira/internal/embed"
)

// scene draws a deterministic picture: a two-colour gradient with a few
// random rectangles and discs, like a crude illustration.
func scene(seed uint64, w, h int) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	c1 := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
	c2 := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
	for y := range h {
		t := float64(y) / float64(h)
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{lerp(c1.R, c2.R, t), lerp(c1.G, c2.G, t), lerp(c1.B, c2.B, t), 255})
		}
	}
	for range 6 {
		c := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
		x0, y0 := rng.IntN(w), rng.IntN(h)
		rw, rh := w/8+rng.IntN(w/3), h/8+rng.IntN(h/3)
		if rng.IntN(2) == 0 {
			draw.Draw(img, image.Rect(x0, y0, x0+rw, y0+rh), &image.Uniform{c}, image.Point{}, draw.Src)
			continue
		}
		for y := y0 - rh; y < y0+rh; y++ {
			for x := x0 - rw; x < x0+rw; x++ {
				dx, dy := float64(x-x0)/float64(rw), float64(y-y0)/float64(rh)
				if dx*dx+dy*dy <= 1 && image.Pt(x, y).In(img.Bounds()) {
					img.SetRGBA(x, y, c)
				}
			}
		}
	}
	return img
}

func lerp(a, b uint8, t float64) uint8 { return uint8(float64(a)*(1-t) + float64(b)*t) }

// resize scales with nearest-neighbour sampling (crude on purpose).
func resize(src image.Image, w, h int) *image.RGBA {
	b := src.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			out.Set(x, y, src.At(b.Min.X+x*b.Dx()/w, b.Min.Y+y*b.Dy()/h))
		}
	}
	return out
}

func reencodeJPEG(t *testing.T, img image.Image, quality int) image.Image {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	out, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func brighten(src *image.RGBA, by int) *image.RGBA {
	out := image.NewRGBA(src.Bounds())
	for i, v := range src.Pix {
		if i%4 == 3 {
			out.Pix[i] = v
			continue
		}
		out.Pix[i] = uint8(min(255, int(v)+by))
	}
	return out
}

func embedOf(t *testing.T, img image.Image) embed.Vector {
	t.Helper()
	v, err := embed.NewLocal().Embed(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != embed.LocalDims {
		t.Fatalf("dims %d, want %d", len(v), embed.LocalDims)
	}
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if math.Abs(n-1) > 1e-4 {
		t.Fatalf("vector norm² %f, want 1", n)
	}
	return v
}

func TestLocalCopiesAreNear(t *testing.T) {
	t.Parallel()
	for seed := range uint64(6) {
		orig := scene(seed, 640, 480)
		v := embedOf(t, orig)
		if d := embed.CosineDistance(v, embedOf(t, orig)); d != 0 {
			t.Fatalf("seed %d: same image distance %f", seed, d)
		}
		copies := map[string]image.Image{
			"half size":   resize(orig, 320, 240),
			"double size": resize(orig, 1280, 960),
			"jpeg q50":    reencodeJPEG(t, orig, 50),
			"brighter":    brighten(orig, 25),
			"thumbnail":   reencodeJPEG(t, resize(orig, 160, 120), 70),
		}
		for name, c := range copies {
			if d := embed.CosineDistance(v, embedOf(t, c)); d > 0.1 {
				t.Errorf("seed %d %s: distance %.3f, want ≤ 0.1", seed, name, d)
			}
		}
	}
}

func TestLocalDifferentPicturesAreFar(t *testing.T) {
	t.Parallel()
	const n = 24
	vs := make([]embed.Vector, n)
	for i := range vs {
		vs[i] = embedOf(t, scene(uint64(100+i), 512, 512))
	}
	closest := 2.0
	for i := range vs {
		for j := i + 1; j < n; j++ {
			d := embed.CosineDistance(vs[i], vs[j])
			closest = min(closest, d)
			if d <= 0.25 {
				t.Errorf("scenes %d and %d: distance %.3f is within the duplicate threshold", i, j, d)
			}
		}
	}
	t.Logf("closest pair of %d unrelated scenes: %.3f", n, closest)
}

func TestLocalFlatAndTinyImages(t *testing.T) {
	t.Parallel()
	flat := func(c color.Color, w, h int) image.Image {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(img, img.Bounds(), &image.Uniform{c}, image.Point{}, draw.Src)
		return img
	}
	black, white := embedOf(t, flat(color.Black, 64, 64)), embedOf(t, flat(color.White, 64, 64))
	if d := embed.CosineDistance(black, embedOf(t, flat(color.Black, 300, 10))); d > 0.01 {
		t.Errorf("two black images: %.3f", d)
	}
	if d := embed.CosineDistance(black, white); d < 1 {
		t.Errorf("black vs white: %.3f, want far apart", d)
	}
	red, blue := embedOf(t, flat(color.RGBA{200, 30, 30, 255}, 50, 50)), embedOf(t, flat(color.RGBA{30, 30, 200, 255}, 50, 50))
	if d := embed.CosineDistance(red, blue); d <= 0.25 {
		t.Errorf("red vs blue: %.3f", d)
	}
	// Smaller than the raster, and an offset origin: still a full vector.
	sub := scene(7, 200, 200).SubImage(image.Rect(50, 50, 53, 52))
	embedOf(t, sub)
	if _, err := embed.NewLocal().Embed(context.Background(), image.NewRGBA(image.Rect(0, 0, 0, 5))); err == nil {
		t.Fatal("empty image: want an error")
	}
}

func TestVectorBytesRoundTrip(t *testing.T) {
	t.Parallel()
	v := embed.Vector{0, 1, -1.5, float32(math.Pi), float32(math.SmallestNonzeroFloat32)}
	got, err := embed.FromBytes(v.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(v) {
		t.Fatalf("len %d", len(got))
	}
	for i := range v {
		if got[i] != v[i] {
			t.Fatalf("element %d: %v != %v", i, got[i], v[i])
		}
	}
	if b := v.Bytes(); b[4] != 0 || b[7] != 0x3f {
		t.Fatalf("not little-endian: % x", b[4:8])
	}
	if _, err := embed.FromBytes([]byte{1, 2, 3}); err == nil {
		t.Fatal("3 bytes: want an error")
	}
}

func TestCosineDistance(t *testing.T) {
	t.Parallel()
	cases := []struct {
		a, b embed.Vector
		want float64
	}{
		{embed.Vector{1, 0}, embed.Vector{2, 0}, 0},
		{embed.Vector{1, 0}, embed.Vector{0, 3}, 1},
		{embed.Vector{1, 0}, embed.Vector{-1, 0}, 2},
		{embed.Vector{1, 0}, embed.Vector{1, 0, 0}, 1}, // different lengths: unrelated
		{embed.Vector{0, 0}, embed.Vector{1, 0}, 1},    // zero vector: unrelated
		{nil, nil, 1},
	}
	for _, c := range cases {
		if got := embed.CosineDistance(c.a, c.b); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("CosineDistance(%v, %v) = %f, want %f", c.a, c.b, got, c.want)
		}
	}
}
