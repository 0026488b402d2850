package avenc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrMalformed wraps every probe failure: a file that is not of the
// expected kind, is inconsistent, or is truncated.
var ErrMalformed = errors.New("avenc: malformed media file")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// MP4Info is what ProbeMP4 reads from a file's index.
type MP4Info struct {
	Brand      string        // ftyp major brand, e.g. "isom"
	Width      int           // of the first video track
	Height     int           // of the first video track
	VideoCodec string        // its sample entry, e.g. "avc1"
	Duration   time.Duration // of the movie (mvhd), else the longest track
	HasAudio   bool
}

// maxMoov bounds the index read into memory (hours of video fit in a few
// MiB; anything larger is not a file a generator made).
const maxMoov = 32 << 20

// ProbeMP4 checks that the size bytes of r are a whole ISO-BMFF movie (ftyp
// first, moov and mdat present, every top-level box inside the file, so a
// truncated download fails) with a video track, and returns its shape.
func ProbeMP4(r io.ReaderAt, size int64) (MP4Info, error) {
	var info MP4Info
	var moovAt, moovLen int64 = -1, 0
	var hasMdat bool
	for off := int64(0); off < size; {
		typ, hdr, n, err := boxHeader(r, off, size)
		if err != nil {
			return info, err
		}
		switch {
		case off == 0 && typ != "ftyp":
			return info, malformed("mp4: first box is %q, not ftyp", typ)
		case typ == "ftyp":
			var brand [4]byte
			if n < hdr+4 || readAt(r, brand[:], off+hdr) != nil {
				return info, malformed("mp4: short ftyp")
			}
			info.Brand = string(brand[:])
		case typ == "moov":
			moovAt, moovLen = off+hdr, n-hdr
		case typ == "mdat":
			hasMdat = true
		}
		off += n
	}
	switch {
	case moovAt < 0:
		return info, malformed("mp4: no moov box")
	case !hasMdat:
		return info, malformed("mp4: no mdat box")
	case moovLen > maxMoov:
		return info, malformed("mp4: moov of %d bytes", moovLen)
	}
	moov := make([]byte, moovLen)
	if err := readAt(r, moov, moovAt); err != nil {
		return info, malformed("mp4: reading moov: %v", err)
	}
	if err := parseMoov(moov, &info); err != nil {
		return info, err
	}
	if info.VideoCodec == "" {
		return info, malformed("mp4: no video track")
	}
	return info, nil
}

// boxHeader reads the box at off: its type, header length and total length
// (a size of 0 means "to the end of the file").
func boxHeader(r io.ReaderAt, off, size int64) (string, int64, int64, error) {
	var h [16]byte
	if size-off < 8 || readAt(r, h[:8], off) != nil {
		return "", 0, 0, malformed("mp4: truncated box header at %d", off)
	}
	typ, n, hdr := string(h[4:8]), int64(binary.BigEndian.Uint32(h[:4])), int64(8)
	switch n {
	case 0:
		n = size - off
	case 1:
		if size-off < 16 || readAt(r, h[8:16], off+8) != nil {
			return "", 0, 0, malformed("mp4: truncated box header at %d", off)
		}
		u := binary.BigEndian.Uint64(h[8:16])
		if u > uint64(size) {
			return "", 0, 0, malformed("mp4: %q box of %d bytes at %d in a %d-byte file (truncated?)", typ, u, off, size)
		}
		n, hdr = int64(u), 16
	}
	if n < hdr {
		return "", 0, 0, malformed("mp4: %q box size %d at %d", typ, n, off)
	}
	if n > size-off {
		return "", 0, 0, malformed("mp4: %q box of %d bytes at %d in a %d-byte file (truncated?)", typ, n, off, size)
	}
	return typ, hdr, n, nil
}

func readAt(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// children splits a box payload into its child boxes, calling fn for each.
func children(b []byte, fn func(typ string, payload []byte) error) error {
	for len(b) > 0 {
		if len(b) < 8 {
			return malformed("mp4: truncated child box")
		}
		n, hdr := uint64(binary.BigEndian.Uint32(b)), uint64(8)
		typ := string(b[4:8])
		switch n {
		case 0:
			n = uint64(len(b))
		case 1:
			if len(b) < 16 {
				return malformed("mp4: truncated child box")
			}
			n, hdr = binary.BigEndian.Uint64(b[8:]), 16
		}
		if n < hdr || n > uint64(len(b)) {
			return malformed("mp4: child box %q size %d of %d", typ, n, len(b))
		}
		if err := fn(typ, b[hdr:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

func parseMoov(moov []byte, info *MP4Info) error {
	var longest time.Duration
	var sawMvhd bool
	err := children(moov, func(typ string, p []byte) error {
		switch typ {
		case "mvhd":
			d, err := headerDuration(p, 12, 20)
			info.Duration, sawMvhd = d, true
			return err
		case "trak":
			t, err := parseTrak(p)
			if err != nil {
				return err
			}
			longest = max(longest, t.duration)
			switch {
			case t.handler == "vide" && info.VideoCodec == "":
				info.VideoCodec, info.Width, info.Height = t.codec, t.width, t.height
			case t.handler == "soun":
				info.HasAudio = true
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !sawMvhd {
		return malformed("mp4: no mvhd box")
	}
	if info.Duration == 0 {
		info.Duration = longest
	}
	return nil
}

// headerDuration reads timescale and duration from an mvhd or mdhd payload:
// at v0 (32-bit fields) or v1 (64-bit fields) offsets of the timescale.
func headerDuration(p []byte, v0, v1 int) (time.Duration, error) {
	if len(p) < 4 {
		return 0, malformed("mp4: short header box")
	}
	var scale, dur uint64
	switch p[0] {
	case 0:
		if len(p) < v0+8 {
			return 0, malformed("mp4: short header box")
		}
		scale, dur = uint64(binary.BigEndian.Uint32(p[v0:])), uint64(binary.BigEndian.Uint32(p[v0+4:]))
		if dur == 0xFFFFFFFF {
			dur = 0 // "unknown"
		}
	case 1:
		if len(p) < v1+12 {
			return 0, malformed("mp4: short header box")
		}
		scale, dur = uint64(binary.BigEndian.Uint32(p[v1:])), binary.BigEndian.Uint64(p[v1+4:])
		if dur == 1<<64-1 {
			dur = 0
		}
	default:
		return 0, malformed("mp4: header box version %d", p[0])
	}
	if scale == 0 {
		return 0, malformed("mp4: zero timescale")
	}
	if dur/scale > 1<<31 { // keeps the conversion below from overflowing
		return 0, malformed("mp4: duration %d/%d", dur, scale)
	}
	return time.Duration(dur/scale)*time.Second + time.Duration(dur%scale*uint64(time.Second)/scale), nil
}

type trak struct {
	handler, codec string
	width, height  int
	duration       time.Duration
}

func parseTrak(p []byte) (trak, error) {
	var t trak
	err := children(p, func(typ string, p []byte) error {
		switch typ {
		case "tkhd":
			return tkhdSize(p, &t)
		case "mdia":
			return parseMdia(p, &t)
		}
		return nil
	})
	return t, err
}

// tkhdSize reads the 16.16 fixed-point width and height that end a tkhd.
func tkhdSize(p []byte, t *trak) error {
	want := map[byte]int{0: 84, 1: 96}[p0(p)]
	if want == 0 || len(p) < want {
		return malformed("mp4: tkhd of %d bytes", len(p))
	}
	t.width = int(binary.BigEndian.Uint32(p[want-8:]) >> 16)
	t.height = int(binary.BigEndian.Uint32(p[want-4:]) >> 16)
	return nil
}

func p0(p []byte) byte {
	if len(p) == 0 {
		return 0xFF
	}
	return p[0]
}

func parseMdia(p []byte, t *trak) error {
	return children(p, func(typ string, p []byte) error {
		switch typ {
		case "mdhd":
			d, err := headerDuration(p, 12, 20)
			t.duration = d
			return err
		case "hdlr":
			if len(p) < 12 {
				return malformed("mp4: short hdlr")
			}
			t.handler = string(p[8:12])
		case "minf":
			return children(p, func(typ string, p []byte) error {
				if typ != "stbl" {
					return nil
				}
				return children(p, func(typ string, p []byte) error {
					if typ == "stsd" {
						if len(p) < 16 {
							return malformed("mp4: short stsd")
						}
						t.codec = string(p[12:16]) // the first sample entry's format
					}
					return nil
				})
			})
		}
		return nil
	})
}
