package avenc

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"time"
)

// MP3Info is what ProbeMP3 counts in an MP3 file.
type MP3Info struct {
	SampleRate int
	Channels   int
	Frames     int
	Duration   time.Duration
}

// mp3 tables: bitrates (kbit/s) by [MPEG-1?][index] for layer III, and
// sample rates by [version][index] (version bits 00 2.5, 10 2, 11 1).
var (
	mp3Bitrates = [2][16]int{
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0}, // MPEG-2/2.5
		{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0},
	}
	mp3Rates = [4][3]int{{11025, 12000, 8000}, {}, {22050, 24000, 16000}, {44100, 48000, 32000}}
)

// mp3Frame parses a layer III frame header: its length in bytes, samples
// and rate, or ok false.
func mp3Frame(h []byte) (length, samples, rate, channels int, ok bool) {
	if len(h) < 4 || h[0] != 0xFF || h[1]&0xE0 != 0xE0 {
		return 0, 0, 0, 0, false
	}
	version, layer := h[1]>>3&3, h[1]>>1&3
	bi, ri, pad := h[2]>>4, h[2]>>2&3, int(h[2]>>1&1)
	if version == 1 || layer != 1 || bi == 0 || bi == 15 || ri == 3 {
		return 0, 0, 0, 0, false
	}
	mpeg1 := 0
	if version == 3 {
		mpeg1 = 1
	}
	rate = mp3Rates[version][ri]
	kbps := mp3Bitrates[mpeg1][bi]
	channels = 2
	if h[3]>>6 == 3 {
		channels = 1
	}
	if mpeg1 == 1 {
		return 144000*kbps/rate + pad, 1152, rate, channels, true
	}
	return 72000*kbps/rate + pad, 576, rate, channels, true
}

// minMP3Frames: fewer frames than this (under a tenth of a second) is not
// a song.
const minMP3Frames = 4

// ProbeMP3 walks every MPEG layer III frame of the size bytes of r (after
// an optional ID3v2 tag) and returns the stream's length. A last frame cut
// short is a truncated file; a trailing ID3v1 or APE tag, or a little junk,
// is accepted.
func ProbeMP3(r io.ReaderAt, size int64) (MP3Info, error) {
	var info MP3Info
	br := bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 64<<10)
	pos, err := skipID3v2(br, size)
	if err != nil {
		return info, err
	}
	var samples int64
	for {
		h, _ := br.Peek(4)
		length, n, rate, ch, ok := mp3Frame(h)
		if !ok || (info.SampleRate != 0 && rate != info.SampleRate) {
			break
		}
		if int64(length) > size-pos {
			return info, malformed("mp3: frame %d needs %d bytes, %d left (truncated?)", info.Frames, length, size-pos)
		}
		if _, err := br.Discard(length); err != nil {
			return info, malformed("mp3: %v", err)
		}
		info.SampleRate, info.Channels = rate, ch
		info.Frames++
		samples += int64(n)
		pos += int64(length)
	}
	if info.Frames < minMP3Frames {
		return info, malformed("mp3: %d frames", info.Frames)
	}
	if rest := size - pos; rest > 0 && !mp3Trailer(br, rest) {
		return info, malformed("mp3: %d bytes after frame %d are neither frames nor a tag", rest, info.Frames)
	}
	info.Duration = time.Duration(float64(samples) / float64(info.SampleRate) * float64(time.Second))
	return info, nil
}

// skipID3v2 skips a leading ID3v2 tag and returns the offset after it.
func skipID3v2(br *bufio.Reader, size int64) (int64, error) {
	h, _ := br.Peek(10)
	if len(h) < 10 || string(h[:3]) != "ID3" {
		return 0, nil
	}
	n := int64(h[6]&0x7F)<<21 | int64(h[7]&0x7F)<<14 | int64(h[8]&0x7F)<<7 | int64(h[9]&0x7F)
	n += 10
	if h[5]&0x10 != 0 { // footer present
		n += 10
	}
	if n > size {
		return 0, malformed("mp3: ID3v2 tag of %d bytes in a %d-byte file", n, size)
	}
	if _, err := br.Discard(int(n)); err != nil {
		return 0, malformed("mp3: %v", err)
	}
	return n, nil
}

// maxMP3Junk is how much unrecognised data may follow the last frame.
const maxMP3Junk = 4 << 10

func mp3Trailer(br *bufio.Reader, rest int64) bool {
	h, _ := br.Peek(8)
	switch {
	case bytes.HasPrefix(h, []byte("TAG")), bytes.HasPrefix(h, []byte("APETAGEX")), bytes.HasPrefix(h, []byte("LYRICS")):
		return true
	}
	if rest > maxMP3Junk {
		return false
	}
	// A few bytes that are not a frame header are padding or junk; a whole
	// frame header with too little after it was caught as truncation.
	_, err := br.Discard(int(rest))
	return err == nil || errors.Is(err, io.EOF)
}
