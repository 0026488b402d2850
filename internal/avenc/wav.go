package avenc

import (
	"encoding/binary"
	"io"
	"time"
)

// WAVHeader returns the 44-byte header of a 16-bit PCM WAV file holding
// frames sample frames of channels channels at rate Hz.
func WAVHeader(rate, channels, frames int) []byte {
	block := 2 * channels
	dataLen := uint32(block * frames)
	h := make([]byte, 0, 44)
	h = append(h, "RIFF"...)
	h = binary.LittleEndian.AppendUint32(h, 36+dataLen)
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16)
	h = binary.LittleEndian.AppendUint16(h, 1) // PCM
	h = binary.LittleEndian.AppendUint16(h, uint16(channels))
	h = binary.LittleEndian.AppendUint32(h, uint32(rate))
	h = binary.LittleEndian.AppendUint32(h, uint32(rate*block))
	h = binary.LittleEndian.AppendUint16(h, uint16(block))
	h = binary.LittleEndian.AppendUint16(h, 16)
	h = append(h, "data"...)
	return binary.LittleEndian.AppendUint32(h, dataLen)
}

// EncodeWAV returns a mono 16-bit PCM WAV file of samples at rate Hz.
func EncodeWAV(rate int, samples []int16) []byte {
	out := WAVHeader(rate, 1, len(samples))
	for _, s := range samples {
		out = binary.LittleEndian.AppendUint16(out, uint16(s))
	}
	return out
}

// AppendPCM16 appends samples as little-endian 16-bit PCM, for writing a
// WAV body in pieces after WAVHeader.
func AppendPCM16(dst []byte, samples []int16) []byte {
	for _, s := range samples {
		dst = binary.LittleEndian.AppendUint16(dst, uint16(s))
	}
	return dst
}

// WAVInfo is what ProbeWAV reads from a WAV header.
type WAVInfo struct {
	Format        int // 1 PCM, 3 float, 0xFFFE extensible …
	Channels      int
	SampleRate    int
	BitsPerSample int
	DataOffset    int64
	DataSize      int64
	Duration      time.Duration
}

// ProbeWAV checks that the size bytes of r are a whole RIFF/WAVE file with
// a sensible fmt chunk and a data chunk that fits in the file, and returns
// its shape. Streaming writers leave the sizes 0 or 0xFFFFFFFF; those mean
// "to the end of the file".
func ProbeWAV(r io.ReaderAt, size int64) (WAVInfo, error) {
	var info WAVInfo
	var h [12]byte
	if size < 12 || readAt(r, h[:], 0) != nil || string(h[:4]) != "RIFF" || string(h[8:12]) != "WAVE" {
		return info, malformed("wav: no RIFF/WAVE header")
	}
	if riff := int64(binary.LittleEndian.Uint32(h[4:])); riff != 0 && riff != 0xFFFFFFFF && riff+8 > size {
		return info, malformed("wav: RIFF size %d in a %d-byte file (truncated?)", riff+8, size)
	}
	return wavChunks(r, size, info)
}

// wavChunks walks the chunks after the RIFF header up to the data chunk.
func wavChunks(r io.ReaderAt, size int64, info WAVInfo) (WAVInfo, error) {
	var sawFmt bool
	for off := int64(12); ; {
		var c [8]byte
		if size-off < 8 || readAt(r, c[:], off) != nil {
			return info, malformed("wav: no data chunk")
		}
		id, n := string(c[:4]), int64(binary.LittleEndian.Uint32(c[4:]))
		off += 8
		switch id {
		case "fmt ":
			if n < 16 || n > size-off {
				return info, malformed("wav: fmt chunk of %d bytes", n)
			}
			var f [16]byte
			if err := readAt(r, f[:], off); err != nil {
				return info, malformed("wav: %v", err)
			}
			if err := wavFormat(f[:], &info); err != nil {
				return info, err
			}
			sawFmt = true
		case "data":
			if !sawFmt {
				return info, malformed("wav: data before fmt")
			}
			return wavData(info, off, n, size)
		}
		if n > size-off {
			return info, malformed("wav: %q chunk of %d bytes with %d left", id, n, size-off)
		}
		off += n + n&1 // chunks are padded to even sizes
	}
}

// wavData fills in the data chunk of n bytes at off.
func wavData(info WAVInfo, off, n, size int64) (WAVInfo, error) {
	if n == 0 || n == 0xFFFFFFFF {
		n = size - off
	}
	if n > size-off {
		return info, malformed("wav: data chunk of %d bytes with %d left (truncated?)", n, size-off)
	}
	info.DataOffset, info.DataSize = off, n
	block := int64(info.Channels * info.BitsPerSample / 8)
	info.Duration = time.Duration(float64(n/block) / float64(info.SampleRate) * float64(time.Second))
	return info, nil
}

func wavFormat(f []byte, info *WAVInfo) error {
	info.Format = int(binary.LittleEndian.Uint16(f[0:]))
	info.Channels = int(binary.LittleEndian.Uint16(f[2:]))
	info.SampleRate = int(binary.LittleEndian.Uint32(f[4:]))
	info.BitsPerSample = int(binary.LittleEndian.Uint16(f[14:]))
	block := int(binary.LittleEndian.Uint16(f[12:]))
	switch {
	case info.Channels < 1 || info.Channels > 16:
		return malformed("wav: %d channels", info.Channels)
	case info.SampleRate < 1000 || info.SampleRate > 768000:
		return malformed("wav: sample rate %d", info.SampleRate)
	case info.BitsPerSample != 8 && info.BitsPerSample != 16 && info.BitsPerSample != 24 && info.BitsPerSample != 32:
		return malformed("wav: %d bits per sample", info.BitsPerSample)
	case block != info.Channels*info.BitsPerSample/8:
		return malformed("wav: block align %d", block)
	}
	return nil
}
