package avenc_test

import (
	"bytes"
	"testing"

	"github.com/kira-art/kira/internal/avenc"
)

// The probes read files from providers and users: any input must give a
// result or ErrMalformed, never a panic, a huge allocation or a negative
// length.

func FuzzProbeMP4(f *testing.F) {
	f.Add(avenc.MuxMP4(16, 16, 10, avenc.SPS(16, 16), avenc.PPS(), [][]byte{avenc.RGBAFrame(gradient(16, 16, 0), 16, 16, 0)}))
	f.Add([]byte("\x00\x00\x00\x08ftyp\x00\x00\x00\x01moov\x00\x00\x00\x00\x00\x00\x00\x10"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := avenc.ProbeMP4(bytes.NewReader(data), int64(len(data)))
		if err == nil && (info.Duration < 0 || info.VideoCodec == "") {
			t.Fatalf("accepted %+v", info)
		}
	})
}

func FuzzProbeWAV(f *testing.F) {
	f.Add(avenc.EncodeWAV(8000, make([]int16, 100)))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEfmt \x10\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := avenc.ProbeWAV(bytes.NewReader(data), int64(len(data)))
		if err == nil && (info.Duration < 0 || info.DataOffset+info.DataSize > int64(len(data))) {
			t.Fatalf("accepted %+v of %d bytes", info, len(data))
		}
	})
}

func FuzzProbeMP3(f *testing.F) {
	f.Add(mp3Frames(5))
	f.Add(append([]byte("ID3\x03\x00\x10\x00\x00\x00\x00"), mp3Frames(4)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := avenc.ProbeMP3(bytes.NewReader(data), int64(len(data)))
		if err == nil && (info.Duration <= 0 || info.SampleRate == 0) {
			t.Fatalf("accepted %+v", info)
		}
	})
}
