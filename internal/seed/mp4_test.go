package seed

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"testing"

	"github.com/kira-art/kira/internal/imaging"
)

// boxes splits ISO-BMFF data into its top-level boxes by type.
func boxes(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for len(data) > 0 {
		if len(data) < 8 {
			t.Fatalf("truncated box header")
		}
		n := int(binary.BigEndian.Uint32(data))
		if n < 8 || n > len(data) {
			t.Fatalf("box %q size %d of %d left", data[4:8], n, len(data))
		}
		out[string(data[4:8])] = data[8:n]
		data = data[n:]
	}
	return out
}

// find returns the payload of the first box of type typ inside a tree of
// container boxes (full-box headers are skipped where the path needs it).
func find(t *testing.T, data []byte, path ...string) []byte {
	t.Helper()
	for _, typ := range path {
		b, ok := boxes(t, data)[typ]
		if !ok {
			t.Fatalf("no %s box", typ)
		}
		data = b
		switch typ {
		case "stsd":
			data = data[8:] // version/flags, entry count
		case "avc1":
			data = data[78:] // the visual sample entry before its child boxes
		}
	}
	return data
}

// bitReader reads Exp-Golomb coded fields, the inverse of bitWriter.
type bitReader struct {
	b   []byte
	pos int
}

func (r *bitReader) u(n int) uint64 {
	var v uint64
	for range n {
		v = v<<1 | uint64(r.b[r.pos/8]>>(7-r.pos%8)&1)
		r.pos++
	}
	return v
}

func (r *bitReader) ue() uint64 {
	zeros := 0
	for r.u(1) == 0 {
		zeros++
	}
	return (1<<zeros - 1) + r.u(zeros)
}

func TestRenderVideoIsAWellFormedMP4(t *testing.T) {
	t.Parallel()
	poster := image.NewRGBA(image.Rect(0, 0, 300, 200))
	for y := range 200 {
		for x := range 300 {
			poster.SetRGBA(x, y, color.RGBA{uint8(x), uint8(y), 0, 255}) // includes black: samples must still avoid 0
		}
	}
	const frames = 3
	data, w, h := renderVideo(poster, frames, 1)
	if w != 160 || h != 96 {
		t.Fatalf("frame size %dx%d for a landscape poster", w, h)
	}
	if f, ok := imaging.Sniff(data); !ok || f.ContentType != "video/mp4" {
		t.Fatalf("the upload sniffer does not see an MP4: %+v", f)
	}
	top := boxes(t, data)
	for _, typ := range []string{"ftyp", "moov", "mdat"} {
		if _, ok := top[typ]; !ok {
			t.Fatalf("missing top-level %s", typ)
		}
	}
	stbl := find(t, top["moov"], "trak", "mdia", "minf", "stbl")
	stsz := find(t, stbl, "stsz")
	if n := binary.BigEndian.Uint32(stsz[8:]); n != frames {
		t.Fatalf("stsz lists %d samples, want %d", n, frames)
	}
	total := 0
	for i := range frames {
		total += int(binary.BigEndian.Uint32(stsz[12+4*i:]))
	}
	if total != len(top["mdat"]) {
		t.Fatalf("sample sizes add up to %d, mdat holds %d", total, len(top["mdat"]))
	}
	offset := int(binary.BigEndian.Uint32(find(t, stbl, "stco")[8:]))
	if !bytes.Equal(data[offset:offset+total], top["mdat"]) {
		t.Fatalf("stco offset %d does not point at the samples", offset)
	}

	avcC := find(t, stbl, "stsd", "avc1", "avcC")
	spsLen := int(binary.BigEndian.Uint16(avcC[6:]))
	sps := avcC[8 : 8+spsLen]
	r := bitReader{b: sps[1:]}
	profile, _, level := r.u(8), r.u(8), r.u(8)
	r.ue()                       // sps id
	r.ue()                       // log2_max_frame_num_minus4
	if poc := r.ue(); poc != 2 { // pic_order_cnt_type
		t.Fatalf("poc type %d", poc)
	}
	r.ue()
	r.u(1)
	mbW, mbH := r.ue()+1, r.ue()+1
	if sps[0] != 0x67 || profile != 66 || level != 30 || int(mbW)*16 != w || int(mbH)*16 != h {
		t.Fatalf("SPS header %#x profile %d level %d size %dx%d MBs", sps[0], profile, level, mbW, mbH)
	}

	// Each sample is one IDR NAL unit, length-prefixed, with no start code
	// emulated inside (emulation prevention did its job).
	mdat := top["mdat"]
	for i := range frames {
		n := int(binary.BigEndian.Uint32(mdat))
		unit := mdat[4 : 4+n]
		if unit[0] != 0x65 {
			t.Fatalf("sample %d NAL header %#x, want an IDR slice", i, unit[0])
		}
		for j := 0; j+2 < len(unit); j++ {
			if unit[j] == 0 && unit[j+1] == 0 && unit[j+2] <= 2 {
				t.Fatalf("sample %d contains an emulated start code at %d", i, j)
			}
		}
		// 60 macroblocks of 384 PCM bytes are in there, plus headers.
		if n < 60*384 {
			t.Fatalf("sample %d is %d bytes, too small for PCM", i, n)
		}
		mdat = mdat[4+n:]
	}
}

func TestRenderSongIsAWAV(t *testing.T) {
	t.Parallel()
	wav := renderSong(3)
	if f, ok := imaging.Sniff(wav); !ok || f.ContentType != "audio/wav" {
		t.Fatalf("sniffed %+v", f)
	}
	if string(wav[:4]) != "RIFF" || int(binary.LittleEndian.Uint32(wav[4:]))+8 != len(wav) ||
		binary.LittleEndian.Uint32(wav[24:]) != songRate || int(binary.LittleEndian.Uint32(wav[40:])) != 2*songRate*songMillis/1000 {
		t.Fatalf("bad WAV header % x", wav[:44])
	}
	if bytes.Equal(renderSong(3), renderSong(4)) || !bytes.Equal(renderSong(3), wav) {
		t.Fatalf("songs must be deterministic per seed and differ across seeds")
	}
}
