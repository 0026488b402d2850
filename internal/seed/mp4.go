package seed

import (
	"encoding/binary"
	"image"
	"image/color"
	"math"
	"math/bits"

	"github.com/kira-art/kira/internal/imaging"
)

// Seeded videos are real, playable MP4 files made without ffmpeg: an
// H.264 Constrained Baseline stream whose macroblocks are all I_PCM (raw
// samples, no transform or entropy coding), in a minimal ISO-BMFF file with
// the index before the data. It is large per pixel, so clips are tiny
// (about 160×96, 8 fps, 5 s, ~1 MB) and only a handful exist in the pool.

const videoFPS = 8

// videoSize picks a macroblock-aligned frame size with the poster's shape.
func videoSize(w, h int) (int, int) {
	switch {
	case w > h:
		return 160, 96
	case w < h:
		return 96, 160
	}
	return 128, 128
}

// renderVideo animates poster with a slow zoom and pan (the "Ken Burns"
// effect) and returns the MP4 file with its frame size.
func renderVideo(poster image.Image, frames int, seed uint64) ([]byte, int, int) {
	b := poster.Bounds()
	w, h := videoSize(b.Dx(), b.Dy())
	src := imaging.Resize(poster, 2*w)
	sw, sh := float64(src.Bounds().Dx()), float64(src.Bounds().Dy())
	panX := []float64{-1, 1}[seed%2]
	samples := make([][]byte, frames)
	for f := range frames {
		t := float64(f) / float64(max(1, frames-1))
		zoom := 1 - 0.18*t // the crop shrinks: the picture comes closer
		cx, cy := sw/2+panX*0.06*sw*t, sh/2
		samples[f] = nal(0x65, idrSlice(w, h, f%2, func(x, y int) color.RGBA {
			sx := cx + (float64(x)/float64(w)-0.5)*sw*zoom
			sy := cy + (float64(y)/float64(h)-0.5)*sh*zoom
			px := min(max(int(sx), 0), int(sw)-1)
			py := min(max(int(sy), 0), int(sh)-1)
			return src.RGBAAt(px, py)
		}))
	}
	return muxMP4(w, h, sps(w, h), pps(), samples), w, h
}

// bitWriter writes the bit-level syntax of H.264 (MSB first).
type bitWriter struct {
	buf []byte
	cur byte
	n   uint
}

func (b *bitWriter) u(v uint64, n int) {
	for i := n - 1; i >= 0; i-- {
		b.cur = b.cur<<1 | byte(v>>uint(i)&1)
		if b.n++; b.n == 8 {
			b.buf, b.cur, b.n = append(b.buf, b.cur), 0, 0
		}
	}
}

// ue is unsigned Exp-Golomb: leading zeros, then v+1 in binary.
func (b *bitWriter) ue(v uint64) {
	n := bits.Len64(v + 1)
	b.u(0, n-1)
	b.u(v+1, n)
}

func (b *bitWriter) se(v int64) {
	if v > 0 {
		b.ue(uint64(2*v - 1))
	} else {
		b.ue(uint64(-2 * v))
	}
}

func (b *bitWriter) align() {
	for b.n != 0 {
		b.u(0, 1)
	}
}

// trailing writes rbsp_trailing_bits: a stop bit, then zero alignment.
func (b *bitWriter) trailing() []byte {
	b.u(1, 1)
	b.align()
	return b.buf
}

const (
	profileBaseline = 66
	constraintFlags = 0xC0 // constraint_set0 and set1: Constrained Baseline
	levelIDC        = 30   // level 3.0: ample for PCM bit rates at this size
)

func sps(w, h int) []byte {
	var b bitWriter
	b.u(profileBaseline, 8)
	b.u(constraintFlags, 8)
	b.u(levelIDC, 8)
	b.ue(0)                // seq_parameter_set_id
	b.ue(0)                // log2_max_frame_num_minus4
	b.ue(2)                // pic_order_cnt_type: order follows decoding
	b.ue(1)                // max_num_ref_frames
	b.u(0, 1)              // gaps_in_frame_num_value_allowed_flag
	b.ue(uint64(w/16 - 1)) // pic_width_in_mbs_minus1
	b.ue(uint64(h/16 - 1)) // pic_height_in_map_units_minus1
	b.u(1, 1)              // frame_mbs_only_flag
	b.u(1, 1)              // direct_8x8_inference_flag
	b.u(0, 1)              // frame_cropping_flag
	b.u(0, 1)              // vui_parameters_present_flag
	return nal(0x67, b.trailing())
}

func pps() []byte {
	var b bitWriter
	b.ue(0)   // pic_parameter_set_id
	b.ue(0)   // seq_parameter_set_id
	b.u(0, 1) // entropy_coding_mode_flag: CAVLC
	b.u(0, 1) // bottom_field_pic_order_in_frame_present_flag
	b.ue(0)   // num_slice_groups_minus1
	b.ue(0)   // num_ref_idx_l0_default_active_minus1
	b.ue(0)   // num_ref_idx_l1_default_active_minus1
	b.u(0, 1) // weighted_pred_flag
	b.u(0, 2) // weighted_bipred_idc
	b.se(0)   // pic_init_qp_minus26
	b.se(0)   // pic_init_qs_minus26
	b.se(0)   // chroma_qp_index_offset
	b.u(1, 1) // deblocking_filter_control_present_flag
	b.u(0, 1) // constrained_intra_pred_flag
	b.u(0, 1) // redundant_pic_cnt_present_flag
	return nal(0x68, b.trailing())
}

// idrSlice codes one frame as an IDR slice of I_PCM macroblocks. Samples
// are limited-range BT.601 and never 0, which old decoders require of PCM.
func idrSlice(w, h, idrPicID int, at func(x, y int) color.RGBA) []byte {
	var b bitWriter
	b.ue(0)                // first_mb_in_slice
	b.ue(7)                // slice_type: I, all slices of the picture
	b.ue(0)                // pic_parameter_set_id
	b.u(0, 4)              // frame_num (4 bits: log2_max_frame_num = 4)
	b.ue(uint64(idrPicID)) // idr_pic_id: differs between neighbouring IDRs
	b.u(0, 1)              // no_output_of_prior_pics_flag
	b.u(0, 1)              // long_term_reference_flag
	b.se(0)                // slice_qp_delta
	b.ue(1)                // disable_deblocking_filter_idc: off (PCM needs none)
	var luma [256]byte     // one macroblock
	var cb, cr [64]byte    // its 4:2:0 chroma
	for my := 0; my < h/16; my++ {
		for mx := 0; mx < w/16; mx++ {
			for y := range 16 {
				for x := range 16 {
					c := at(mx*16+x, my*16+y)
					yy, _, _ := color.RGBToYCbCr(c.R, c.G, c.B)
					luma[y*16+x] = limited(yy, 219)
				}
			}
			for y := range 8 {
				for x := range 8 {
					var r, g, bl int
					for _, d := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
						c := at(mx*16+2*x+d[0], my*16+2*y+d[1])
						r, g, bl = r+int(c.R), g+int(c.G), bl+int(c.B)
					}
					_, u, v := color.RGBToYCbCr(uint8(r/4), uint8(g/4), uint8(bl/4))
					cb[y*8+x], cr[y*8+x] = limited(u, 224), limited(v, 224)
				}
			}
			b.ue(25) // mb_type I_PCM
			b.align()
			b.buf = append(append(append(b.buf, luma[:]...), cb[:]...), cr[:]...)
		}
	}
	return b.trailing()
}

// limited maps a full-range sample to the video range 16..16+span.
func limited(v uint8, span int) byte {
	return byte(16 + int(math.Round(float64(v)*float64(span)/255)))
}

// nal adds the header byte and the emulation prevention bytes that keep a
// payload from containing a start code.
func nal(header byte, rbsp []byte) []byte {
	out := make([]byte, 1, len(rbsp)+len(rbsp)/128+2)
	out[0] = header
	zeros := 0
	for _, c := range rbsp {
		if zeros >= 2 && c <= 3 {
			out, zeros = append(out, 3), 0
		}
		out = append(out, c)
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}

func box(typ string, payload ...[]byte) []byte {
	n := 8
	for _, p := range payload {
		n += len(p)
	}
	out := binary.BigEndian.AppendUint32(make([]byte, 0, n), uint32(n))
	out = append(out, typ...)
	for _, p := range payload {
		out = append(out, p...)
	}
	return out
}

func fullBox(typ string, flags uint32, payload ...[]byte) []byte {
	return box(typ, append([][]byte{be32(flags)}, payload...)...) // version 0
}

func be32(vs ...uint32) []byte {
	var out []byte
	for _, v := range vs {
		out = binary.BigEndian.AppendUint32(out, v)
	}
	return out
}

func be16(vs ...uint16) []byte {
	var out []byte
	for _, v := range vs {
		out = binary.BigEndian.AppendUint16(out, v)
	}
	return out
}

var unityMatrix = be32(0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)

// muxMP4 writes ftyp, moov (the index, first, so players start at once)
// and mdat with one length-prefixed NAL unit per sample.
func muxMP4(w, h int, sps, pps []byte, samples [][]byte) []byte {
	const timescale = 1000
	delta := uint32(timescale / videoFPS)
	duration := delta * uint32(len(samples))
	ftyp := box("ftyp", []byte("isom"), be32(512), []byte("isomiso2avc1mp41"))
	sizes := make([]uint32, len(samples))
	dataLen := 0
	for i, s := range samples {
		sizes[i] = uint32(4 + len(s))
		dataLen += 4 + len(s)
	}
	avcC := box("avcC", []byte{1, profileBaseline, constraintFlags, levelIDC, 0xFF, 0xE1}, be16(uint16(len(sps))), sps,
		[]byte{1}, be16(uint16(len(pps))), pps)
	compressor := make([]byte, 32)
	avc1 := box("avc1", make([]byte, 6), be16(1, 0, 0), make([]byte, 12), be16(uint16(w), uint16(h)),
		be32(0x00480000, 0x00480000, 0), be16(1), compressor, be16(0x0018, 0xFFFF), avcC)
	moov := func(offset uint32) []byte {
		stbl := box("stbl",
			fullBox("stsd", 0, be32(1), avc1),
			fullBox("stts", 0, be32(1, uint32(len(samples)), delta)),
			fullBox("stsc", 0, be32(1, 1, uint32(len(samples)), 1)),
			fullBox("stsz", 0, be32(0, uint32(len(samples))), be32(sizes...)),
			fullBox("stco", 0, be32(1, offset)))
		minf := box("minf", fullBox("vmhd", 1, make([]byte, 8)),
			box("dinf", fullBox("dref", 0, be32(1), fullBox("url ", 1))), stbl)
		mdia := box("mdia", fullBox("mdhd", 0, be32(0, 0, timescale, duration), be16(0x55C4, 0)),
			fullBox("hdlr", 0, be32(0), []byte("vide"), make([]byte, 12), []byte("VideoHandler\x00")), minf)
		tkhd := fullBox("tkhd", 3, be32(0, 0, 1, 0, duration, 0, 0), be16(0, 0, 0, 0), unityMatrix,
			be32(uint32(w)<<16, uint32(h)<<16))
		mvhd := fullBox("mvhd", 0, be32(0, 0, timescale, duration, 0x00010000), be16(0x0100, 0), be32(0, 0),
			unityMatrix, make([]byte, 24), be32(2))
		return box("moov", mvhd, box("trak", tkhd, mdia))
	}
	head := len(ftyp) + len(moov(0)) + 8
	out := make([]byte, 0, head+dataLen)
	out = append(append(out, ftyp...), moov(uint32(head))...)
	out = binary.BigEndian.AppendUint32(out, uint32(8+dataLen))
	out = append(out, "mdat"...)
	for _, s := range samples {
		out = binary.BigEndian.AppendUint32(out, uint32(len(s)))
		out = append(out, s...)
	}
	return out
}
