package avenc_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/avenc"
	"github.com/kira-art/kira/internal/avenc/avenctest"
)

// gradient is a test frame that changes with f, so frames differ.
func gradient(w, h, f int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{uint8(x + 8*f), uint8(y), uint8(x ^ y), 255}) // includes black
		}
	}
	return img
}

func TestMP4WriterMatchesMuxMP4AndProbes(t *testing.T) {
	t.Parallel()
	const w, h, fps, frames = 64, 48, 10, 25
	var samples [][]byte
	spool, err := os.CreateTemp(t.TempDir(), "spool")
	if err != nil {
		t.Fatal(err)
	}
	mw, err := avenc.NewMP4Writer(w, h, fps, spool)
	if err != nil {
		t.Fatal(err)
	}
	for f := range frames {
		img := gradient(w, h, f)
		samples = append(samples, avenc.RGBAFrame(img, w, h, f%2))
		if err := mw.WriteFrame(img); err != nil {
			t.Fatal(err)
		}
	}
	var streamed bytes.Buffer
	if err := mw.Finish(&streamed); err != nil {
		t.Fatal(err)
	}
	whole := avenc.MuxMP4(w, h, fps, avenc.SPS(w, h), avenc.PPS(), samples)
	if !bytes.Equal(streamed.Bytes(), whole) {
		t.Fatalf("streamed file (%d bytes) differs from the in-memory one (%d)", streamed.Len(), len(whole))
	}
	info, err := avenc.ProbeMP4(bytes.NewReader(whole), int64(len(whole)))
	if err != nil {
		t.Fatal(err)
	}
	want := avenc.MP4Info{Brand: "isom", Width: w, Height: h, VideoCodec: "avc1", Duration: 2500 * time.Millisecond}
	if info != want {
		t.Fatalf("probe %+v, want %+v", info, want)
	}
	if err := mw.Finish(&streamed); err == nil {
		t.Fatal("a second Finish succeeded")
	}

	path := filepath.Join(t.TempDir(), "go.mp4")
	if err := os.WriteFile(path, whole, 0o600); err != nil {
		t.Fatal(err)
	}
	// Last, as it skips without ffprobe: an independent decoder agrees.
	s := avenctest.Probe(t, path, "v")
	if s.Codec != "h264" || s.Width != w || s.Height != h || s.Duration != 2500*time.Millisecond {
		t.Fatalf("ffprobe %+v", s)
	}
	avenctest.DecodeAll(t, path)
}

func TestNewMP4WriterRefusesBadShapes(t *testing.T) {
	t.Parallel()
	for _, c := range [][3]int{{0, 16, 10}, {24, 16, 10}, {16, 16, 7}, {16, 16, 0}, {8192, 16, 10}} {
		if _, err := avenc.NewMP4Writer(c[0], c[1], c[2], nil); err == nil {
			t.Errorf("%v accepted", c)
		}
	}
	mw, _ := avenc.NewMP4Writer(16, 16, 10, &bytesSpool{})
	if err := mw.Finish(&bytes.Buffer{}); err == nil {
		t.Error("an empty video was finished")
	}
}

// bytesSpool is an in-memory io.ReadWriteSeeker.
type bytesSpool struct {
	b   []byte
	off int
}

func (s *bytesSpool) Write(p []byte) (int, error) { s.b = append(s.b, p...); return len(p), nil }
func (s *bytesSpool) Read(p []byte) (int, error) {
	if s.off >= len(s.b) {
		return 0, errors.New("EOF")
	}
	n := copy(p, s.b[s.off:])
	s.off += n
	return n, nil
}
func (s *bytesSpool) Seek(off int64, _ int) (int64, error) { s.off = int(off); return off, nil }

func TestProbeMP4RefusesTruncatedAndForeignFiles(t *testing.T) {
	t.Parallel()
	const w, h = 32, 32
	data := avenc.MuxMP4(w, h, 10, avenc.SPS(w, h), avenc.PPS(), [][]byte{avenc.RGBAFrame(gradient(w, h, 0), w, h, 0)})
	cases := map[string][]byte{
		"truncated mdat": data[:len(data)-10],
		"truncated moov": data[:100],
		"empty":          nil,
		"png":            []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"),
		"no moov":        data[:32], // ftyp alone
	}
	for name, b := range cases {
		if _, err := avenc.ProbeMP4(bytes.NewReader(b), int64(len(b))); !errors.Is(err, avenc.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func TestH264WriterMakesARealMP4(t *testing.T) {
	t.Parallel()
	ff, err := avenc.FindFFmpeg(context.Background(), "")
	if err != nil {
		t.Skip(err)
	}
	const w, h, fps = 96, 64, 24
	path := filepath.Join(t.TempDir(), "x.mp4")
	enc, err := ff.NewH264Writer(context.Background(), path, w, h, fps)
	if err != nil {
		t.Fatal(err)
	}
	for f := range 2 * fps {
		if err := enc.WriteFrame(gradient(w, h, f)); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := avenc.ProbeMP4(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != w || info.Height != h || info.VideoCodec != "avc1" || info.Duration != 2*time.Second {
		t.Fatalf("probe %+v", info)
	}
	// faststart: the index comes before the samples.
	if bytes.Index(data, []byte("moov")) > bytes.Index(data, []byte("mdat")) {
		t.Fatal("moov after mdat: not faststart")
	}
	s := avenctest.Probe(t, path, "v")
	if s.Codec != "h264" || s.PixFmt != "yuv420p" || s.Width != w || s.Height != h {
		t.Fatalf("ffprobe %+v", s)
	}
	first, err := ff.FirstFrame(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if b := first.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("first frame %v", b)
	}
	// Lossy, but the gradient survives: red grows to the right.
	r0, _, _, _ := first.At(2, h/2).RGBA()
	r1, _, _, _ := first.At(w-3, h/2).RGBA()
	if r1 <= r0 {
		t.Fatalf("first frame lost the gradient: %d then %d", r0>>8, r1>>8)
	}
}

func TestH264WriterStopsOnCancel(t *testing.T) {
	t.Parallel()
	ff, err := avenc.FindFFmpeg(context.Background(), "")
	if err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	enc, err := ff.NewH264Writer(ctx, filepath.Join(t.TempDir(), "x.mp4"), 64, 64, 24)
	if err != nil {
		t.Fatal(err)
	}
	if err := enc.WriteFrame(gradient(64, 64, 0)); err != nil {
		t.Fatal(err)
	}
	cancel()
	// Writes fail once the process is gone; Close reports the kill.
	deadline := time.Now().Add(10 * time.Second)
	for enc.WriteFrame(gradient(64, 64, 1)) == nil {
		if time.Now().After(deadline) {
			t.Fatal("ffmpeg still accepts frames after cancel")
		}
	}
	if err := enc.Close(); err == nil {
		t.Fatal("Close after cancel succeeded")
	}
}

func TestFindFFmpegMissing(t *testing.T) {
	t.Parallel()
	if _, err := avenc.FindFFmpeg(context.Background(), filepath.Join(t.TempDir(), "ffmpeg")); err == nil {
		t.Fatal("found an ffmpeg that does not exist")
	}
}
