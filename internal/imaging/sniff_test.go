package imaging

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

// tinyWebP is a complete 1×1 transparent lossless WebP (43 bytes).
var tinyWebP = []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")

// pattern is an opaque test image with structure at every scale.
func pattern(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / max(1, w)), uint8(y * 255 / max(1, h)), uint8((x ^ y) & 0xff), 255})
		}
	}
	return img
}

func encodeWith(t testing.TB, enc func(*bytes.Buffer, image.Image) error, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := enc(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngOf(t testing.TB, img image.Image) []byte {
	return encodeWith(t, func(b *bytes.Buffer, i image.Image) error { return png.Encode(b, i) }, img)
}

func jpegOf(t testing.TB, img image.Image) []byte {
	return encodeWith(t, func(b *bytes.Buffer, i image.Image) error { return jpeg.Encode(b, i, nil) }, img)
}

func gifOf(t testing.TB, img image.Image) []byte {
	return encodeWith(t, func(b *bytes.Buffer, i image.Image) error { return gif.Encode(b, i, nil) }, img)
}

func TestSniffRecognisesAcceptedFormats(t *testing.T) {
	t.Parallel()
	img := pattern(8, 8)
	cases := []struct {
		name string
		head []byte
		want Format
	}{
		{"png", pngOf(t, img), PNG},
		{"jpeg", jpegOf(t, img), JPEG},
		{"gif", gifOf(t, img), GIF},
		{"webp", tinyWebP, WebP},
		{"wav", []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"), WAV},
		{"mp4 isom", []byte("\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"), MP4},
		{"mp4 mp42", []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), MP4},
		{"m4a", []byte("\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00M4A isomiso2"), M4A},
		{"webm", []byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm\x42\x87\x81\x04"), WebM},
		{"mp3 id3", []byte("ID3\x04\x00\x00\x00\x00\x00\x23TSSE"), MP3},
		{"mp3 frame", []byte("\xff\xfb\x90\x64\x00\x00"), MP3},
	}
	for _, c := range cases {
		got, ok := Sniff(c.head)
		if !ok || got != c.want {
			t.Errorf("%s: Sniff = %+v %v, want %+v", c.name, got, ok, c.want)
		}
	}
}

func TestSniffRefusesEverythingElse(t *testing.T) {
	t.Parallel()
	cases := map[string][]byte{
		"empty":     nil,
		"text":      []byte("hello, this is a text file named cat.png\n"),
		"html":      []byte("<!doctype html><html><script>alert(1)</script>"),
		"svg":       []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`),
		"heic":      []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"),
		"avif":      []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1"),
		"quicktime": []byte("\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  "),
		"matroska":  []byte("\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska"),
		"aac adts":  []byte("\xff\xf1\x50\x80\x02\x1f\xfc"),
		"riff avi":  []byte("RIFF\x00\x00\x00\x00AVI LIST"),
		"bmp":       []byte("BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00"),
		"short png": []byte("\x89PN"),
		"zip":       []byte("PK\x03\x04\x14\x00"),
		"pdf":       []byte("%PDF-1.7\n"),
	}
	for name, head := range cases {
		if f, ok := Sniff(head); ok {
			t.Errorf("%s: sniffed as %+v", name, f)
		}
	}
}

func TestByExtAndContentType(t *testing.T) {
	t.Parallel()
	for _, f := range formats {
		if got, ok := ByExt(f.Ext); !ok || got != f {
			t.Errorf("ByExt(%q) = %+v", f.Ext, got)
		}
		if got, ok := ByContentType(f.ContentType + "; charset=binary"); !ok || got != f {
			t.Errorf("ByContentType(%q) = %+v", f.ContentType, got)
		}
	}
	if f, ok := ByExt(".JPEG"); !ok || f != JPEG {
		t.Errorf(".JPEG: %+v", f)
	}
	if _, ok := ByExt(".html"); ok {
		t.Error(".html accepted")
	}
}
