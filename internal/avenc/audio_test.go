package avenc_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/avenc"
	"github.com/kira-art/kira/internal/avenc/avenctest"
)

func TestWAVRoundTrip(t *testing.T) {
	t.Parallel()
	samples := make([]int16, 8000*3/2)
	for i := range samples {
		samples[i] = int16(i * 37)
	}
	wav := avenc.EncodeWAV(8000, samples)
	info, err := avenc.ProbeWAV(bytes.NewReader(wav), int64(len(wav)))
	if err != nil {
		t.Fatal(err)
	}
	want := avenc.WAVInfo{Format: 1, Channels: 1, SampleRate: 8000, BitsPerSample: 16, DataOffset: 44,
		DataSize: int64(2 * len(samples)), Duration: 1500 * time.Millisecond}
	if info != want {
		t.Fatalf("probe %+v, want %+v", info, want)
	}
	if !bytes.Equal(avenc.AppendPCM16(avenc.WAVHeader(8000, 1, len(samples)), samples), wav) {
		t.Fatal("header + AppendPCM16 differs from EncodeWAV")
	}
	path := filepath.Join(t.TempDir(), "x.wav")
	os.WriteFile(path, wav, 0o600)
	if s := avenctest.Probe(t, path, "a"); s.Codec != "pcm_s16le" || s.Rate != 8000 || s.Duration != 1500*time.Millisecond {
		t.Fatalf("ffprobe %+v", s)
	}
}

func TestProbeWAVRefusesBrokenFiles(t *testing.T) {
	t.Parallel()
	wav := avenc.EncodeWAV(8000, make([]int16, 800))
	noFmt := append([]byte("RIFF\x04\x00\x00\x00WAVE"), wav[36:]...)
	badRate := bytes.Clone(wav)
	copy(badRate[24:], []byte{1, 0, 0, 0})
	for name, b := range map[string][]byte{
		"truncated": wav[:len(wav)-100], "header only": wav[:20], "not riff": []byte("OggS\x00\x00\x00\x00"),
		"no fmt": noFmt, "bad rate": badRate,
	} {
		if _, err := avenc.ProbeWAV(bytes.NewReader(b), int64(len(b))); !errors.Is(err, avenc.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// mp3Frames builds n MPEG-1 layer III frames (128 kbit/s, 44.1 kHz,
// stereo) with silent bodies: structurally valid, as ProbeMP3 checks.
func mp3Frames(n int) []byte {
	var out []byte
	for i := range n {
		pad := byte(i % 2)
		frame := make([]byte, 417+int(pad))
		copy(frame, []byte{0xFF, 0xFB, 0x90 | pad<<1, 0x00})
		out = append(out, frame...)
	}
	return out
}

func TestProbeMP3(t *testing.T) {
	t.Parallel()
	id3 := []byte("ID3\x04\x00\x00\x00\x00\x00\x0a" + "0123456789")
	data := append(append(id3, mp3Frames(100)...), []byte("TAG-the-v1-tag")...)
	info, err := avenc.ProbeMP3(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if info.Frames != 100 || info.SampleRate != 44100 || info.Channels != 2 ||
		info.Duration.Round(time.Millisecond) != 2612*time.Millisecond {
		t.Fatalf("probe %+v", info)
	}
	whole := mp3Frames(50)
	for name, b := range map[string][]byte{
		"truncated": whole[:len(whole)-100], "too short": mp3Frames(2), "garbage": bytes.Repeat([]byte{0x55}, 5000),
		"junk tail": append(mp3Frames(10), bytes.Repeat([]byte{0x55}, 5000)...),
	} {
		if _, err := avenc.ProbeMP3(bytes.NewReader(b), int64(len(b))); !errors.Is(err, avenc.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestProbeMP3ReadsARealEncoderOutput(t *testing.T) {
	t.Parallel()
	ff, err := avenc.FindFFmpeg(context.Background(), "")
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	wav, mp3 := filepath.Join(dir, "x.wav"), filepath.Join(dir, "x.mp3")
	samples := make([]int16, 22050*2)
	for i := range samples {
		samples[i] = int16((i % 100) * 300)
	}
	os.WriteFile(wav, avenc.EncodeWAV(22050, samples), 0o600)
	if out, err := exec.Command(ff.Path, "-v", "error", "-i", wav, "-c:a", "libmp3lame", mp3).CombinedOutput(); err != nil {
		t.Skipf("no mp3 encoder: %v %s", err, out)
	}
	data, _ := os.ReadFile(mp3)
	info, err := avenc.ProbeMP3(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	// LAME adds encoder delay and padding, and an Info frame.
	if info.SampleRate != 22050 || info.Channels != 1 || info.Duration < 2*time.Second || info.Duration > 2200*time.Millisecond {
		t.Fatalf("probe %+v", info)
	}
	cut := data[:len(data)*2/3]
	if _, err := avenc.ProbeMP3(bytes.NewReader(cut), int64(len(cut))); !errors.Is(err, avenc.ErrMalformed) {
		t.Fatalf("truncated mp3: %v", err)
	}
}
