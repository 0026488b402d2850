package media

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"

	"golang.org/x/image/draw"
)

// LocalImages renders real, deterministic, prompt-dependent PNGs offline:
// the prompt and seed choose a palette and a composition of soft shapes, so
// the same request always gives the same bytes and different prompts give
// visibly different pictures. It is what makes the product usable without
// provider keys.
type LocalImages struct{}

// Name identifies the provider.
func (LocalImages) Name() string { return "local" }

// Generate renders req.Count images (seed, seed+1, …).
func (LocalImages) Generate(ctx context.Context, req ImageRequest) ([]GeneratedImage, error) {
	if req.Count < 1 || req.Count > 4 {
		return nil, fmt.Errorf("%w: count %d (want 1-4)", ErrBadRequest, req.Count)
	}
	w, h, err := Dimensions(req.Model, req.Ratio)
	if err != nil {
		return nil, err
	}
	seed := req.Seed
	if seed == 0 {
		seed = PromptSeed(req.Prompt)
	}
	out := make([]GeneratedImage, 0, req.Count)
	for i := range req.Count {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s := seed + int64(i)
		img := upscale(render(w/renderScale, h/renderScale, req.Prompt, s, req.Source), w, h)
		var buf bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
			return nil, err
		}
		out = append(out, GeneratedImage{Data: buf.Bytes(), ContentType: "image/png", Width: w, Height: h, Seed: s})
	}
	return out, nil
}

// PromptSeed derives a stable positive seed from a prompt.
func PromptSeed(prompt string) int64 {
	h := fnv.New64a()
	h.Write([]byte(prompt))
	return int64(h.Sum64() >> 33)
}

type blob struct {
	x, y, r float64
	c       color.RGBA
}

// renderScale: shapes are soft, so they are drawn at a quarter of the size
// and scaled up, which is 16 times less per-pixel work for the same picture.
const renderScale = 4

func upscale(src *image.RGBA, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}

func render(w, h int, prompt string, seed int64, source image.Image) *image.RGBA {
	rng := rand.New(rand.NewPCG(uint64(PromptSeed(prompt)), uint64(seed)))
	top, bottom := randomColor(rng), randomColor(rng)
	blobs := make([]blob, 3+rng.IntN(5))
	for i := range blobs {
		blobs[i] = blob{x: rng.Float64() * float64(w), y: rng.Float64() * float64(h),
			r: (0.1 + rng.Float64()*0.35) * float64(min(w, h)), c: randomColor(rng)}
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		t := float64(y) / float64(h)
		for x := range w {
			c := mix(top, bottom, t)
			if source != nil { // edits keep the source's structure
				b := source.Bounds()
				c = mix(c, color.RGBAModel.Convert(source.At(b.Min.X+x*b.Dx()/w, b.Min.Y+y*b.Dy()/h)).(color.RGBA), 0.6)
			}
			for _, bl := range blobs {
				d := math.Hypot(float64(x)-bl.x, float64(y)-bl.y)
				if d < bl.r {
					c = mix(c, bl.c, 0.55*(1-d/bl.r))
				}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func randomColor(rng *rand.Rand) color.RGBA {
	return color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	l := func(x, y uint8) uint8 { return uint8(float64(x)*(1-t) + float64(y)*t) }
	return color.RGBA{l(a.R, b.R), l(a.G, b.G), l(a.B, b.B), 255}
}
