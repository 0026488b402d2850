package moderation

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/image/draw"
)

// testPattern is the synthetic image whose hash content/moderation lists as
// its test-safe example entry: off-centre rings over a diagonal ramp,
// integers only so every platform draws the same pixels.
func testPattern() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for y := range 256 {
		for x := range 256 {
			dx, dy := x-90, y-150
			ring := uint8(0)
			if (dx*dx+dy*dy)/700%2 == 0 {
				ring = 200
			}
			img.SetRGBA(x, y, color.RGBA{ring, uint8((x + y) / 2), uint8(255 - x), 255})
		}
	}
	return img
}

// scene is a photo-like test image: a gradient sky and random shapes.
func scene(seed uint64, w, h int) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, seed*7+1))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	top := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{top.R, uint8(int(top.G) * (h - y) / h), uint8((int(top.B) + x*255/w) / 2), 255})
		}
	}
	for range 12 {
		c := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
		x0, y0 := r.IntN(w), r.IntN(h)
		rect := image.Rect(x0, y0, x0+w/8+r.IntN(w/3), y0+h/8+r.IntN(h/3))
		draw.Draw(img, rect, image.NewUniform(c), image.Point{}, draw.Src)
	}
	return img
}

func resized(img image.Image, w, h int) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(out, out.Bounds(), img, img.Bounds(), draw.Src, nil)
	return out
}

func reencoded(t *testing.T, img image.Image, quality int) image.Image {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	out, err := jpeg.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPHashSurvivesReencodingAndResizing(t *testing.T) {
	t.Parallel()
	for seed := range uint64(3) {
		orig := scene(seed, 320, 240)
		h := PHash(orig)
		variants := map[string]image.Image{
			"jpeg q60":           reencoded(t, orig, 60),
			"half size":          resized(orig, 160, 120),
			"half size jpeg q70": reencoded(t, resized(orig, 160, 120), 70),
			"double size":        resized(orig, 640, 480),
			"squashed":           resized(orig, 260, 240),
		}
		for name, v := range variants {
			if d := Distance(h, PHash(v)); d > 4 {
				t.Errorf("seed %d %s: distance %d", seed, name, d)
			}
		}
	}
}

func TestPHashSeparatesDifferentImages(t *testing.T) {
	t.Parallel()
	var hashes []uint64
	for seed := range uint64(8) {
		hashes = append(hashes, PHash(scene(seed, 320, 240)))
	}
	hashes = append(hashes, PHash(testPattern()))
	for i := range hashes {
		for j := i + 1; j < len(hashes); j++ {
			if d := Distance(hashes[i], hashes[j]); d <= 2*DefaultMaxDistance {
				t.Errorf("images %d and %d only %d bits apart", i, j, d)
			}
		}
	}
}

func TestPHashShape(t *testing.T) {
	t.Parallel()
	grey := image.NewGray(image.Rect(0, 0, 50, 50))
	for i := range grey.Pix {
		grey.Pix[i] = 128
	}
	if h := PHash(grey); h != 0 {
		t.Fatalf("a flat image has no structure: hash %s", FormatHash(h))
	}
	h := PHash(scene(1, 200, 100))
	if h>>63 != 0 {
		t.Fatal("the DC bit must be 0")
	}
	if n := Distance(h, 0); n != 31 {
		t.Fatalf("median threshold of 63 AC terms sets 31 bits, got %d", n)
	}
	if got, err := ParseHash(FormatHash(h)); err != nil || got != h {
		t.Fatalf("round trip %s: %v", FormatHash(h), err)
	}
	for _, bad := range []string{"", "123", "zzzzzzzzzzzzzzzz", "0123456789abcdef0", "-123456789abcdef"} {
		if _, err := ParseHash(bad); err == nil {
			t.Errorf("ParseHash(%q) accepted", bad)
		}
	}
}

func TestLocalCheckImage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	listed := scene(42, 400, 300)
	c := NewLocal(Lists{ImageHashes: []uint64{PHash(listed)}}, DefaultMaxDistance)
	for name, img := range map[string]image.Image{"same": listed, "copy": reencoded(t, resized(listed, 200, 150), 50)} {
		v, err := c.CheckImage(ctx, img)
		if err != nil || !v.CSAM || len(v.Reasons) == 0 {
			t.Errorf("%s: %+v %v", name, v, err)
		}
	}
	if v, err := c.CheckImage(ctx, scene(43, 400, 300)); err != nil || v.CSAM || v.NSFW {
		t.Errorf("unrelated image: %+v %v", v, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.CheckImage(cancelled, listed); err == nil {
		t.Error("a cancelled check must not pass silently")
	}
}

func TestLocalCheckText(t *testing.T) {
	t.Parallel()
	c := NewLocal(Lists{BlockedTerms: []string{"forbidden phrase", "badword"}, NSFWTerms: []string{"sex", "nude", "裸体"}}, 0)
	cases := []struct {
		text       string
		csam, nsfw bool
	}{
		{"a fox in the snow", false, false},
		{"Essex countryside, sextant, unisex", false, false},
		{"SEX on the beach", false, true},
		{"a Nude study", false, true},
		{"ｎｕｄｅ in full width", false, true},
		{"nu\u200bde hidden by a zero-width space", false, true},
		{"the FORBIDDEN-phrase, again", true, false},
		{"forbidden then phrase", false, false},
		{"badwords is another word", false, false},
		{"badword and nude", true, true},
		{"一张裸体的画", false, true},
	}
	for _, tc := range cases {
		v, err := c.CheckText(context.Background(), tc.text)
		if err != nil || v.CSAM != tc.csam || v.NSFW != tc.nsfw {
			t.Errorf("%q: %+v %v, want csam=%v nsfw=%v", tc.text, v, err, tc.csam, tc.nsfw)
		}
	}
}

func TestLoadShippedLists(t *testing.T) {
	t.Parallel()
	l, err := LoadLists(filepath.Join("..", "..", "content", "moderation"))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.ImageHashes) == 0 || len(l.BlockedTerms) == 0 || len(l.NSFWTerms) == 0 {
		t.Fatalf("shipped lists are empty: %+v", l)
	}
	c := NewLocal(l, DefaultMaxDistance)
	ctx := context.Background()
	if v, _ := c.CheckImage(ctx, reencoded(t, testPattern(), 75)); !v.CSAM {
		t.Fatalf("the example entry must match the test pattern (hash %s)", FormatHash(PHash(testPattern())))
	}
	grey := image.NewGray(image.Rect(0, 0, 64, 64))
	for name, img := range map[string]image.Image{"flat": grey, "scene": scene(7, 300, 200)} {
		if v, _ := c.CheckImage(ctx, img); v.CSAM {
			t.Errorf("%s image hit the shipped list: %v", name, v.Reasons)
		}
	}
	if v, _ := c.CheckText(ctx, "a watercolour fox in the snow"); v.CSAM || v.NSFW {
		t.Errorf("harmless prompt flagged: %v", v.Reasons)
	}
}

func TestLoadListsErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := LoadLists(dir); err == nil {
		t.Fatal("missing files must be an error")
	}
	write(HashListFile, "# comment\n\n0123456789ABCDEF  # uppercase is fine\nnot-a-hash\n")
	write(BlockedTermFile, "# none\n")
	write(NSFWTermFile, "  Nude  \n")
	_, err := LoadLists(dir)
	if err == nil || !strings.Contains(err.Error(), HashListFile+":4") {
		t.Fatalf("bad hash line should be named: %v", err)
	}
	write(HashListFile, "0123456789ABCDEF  # uppercase is fine\n")
	l, err := LoadLists(dir)
	if err != nil || len(l.ImageHashes) != 1 || l.ImageHashes[0] != 0x0123456789abcdef || len(l.BlockedTerms) != 0 ||
		len(l.NSFWTerms) != 1 || l.NSFWTerms[0] != "nude" {
		t.Fatalf("lists %+v %v", l, err)
	}
}

func TestLoadListsFS(t *testing.T) {
	t.Parallel()
	l, err := LoadListsFS(fstest.MapFS{
		HashListFile:    {Data: []byte(FormatHash(PHash(testPattern())) + "\n")},
		BlockedTermFile: {Data: []byte("blocked phrase\n")},
		NSFWTermFile:    {Data: []byte("# empty\n")},
	})
	if err != nil || len(l.ImageHashes) != 1 || len(l.BlockedTerms) != 1 || len(l.NSFWTerms) != 0 {
		t.Fatalf("%+v %v", l, err)
	}
}
