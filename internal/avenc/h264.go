// Package avenc holds the pure-Go audio/video encoders and container
// probes that need nothing installed: an intra-only H.264 encoder in an
// MP4 muxer, a WAV writer, and readers that check MP4, WAV and MP3 files
// and report their size and length. It also drives ffmpeg, when present,
// for real compressed H.264. It knows nothing of prompts or providers:
// internal/media and internal/seed build on it.
package avenc

import (
	"image"
	"image/color"
	"math"
	"math/bits"
)

// The stream is H.264 Constrained Baseline whose macroblocks are all I_PCM
// (raw samples: no transform, no entropy coding), every frame an IDR. Any
// decoder plays it; it is large per pixel (1.5 bytes per pixel per frame),
// so callers keep frames small.
const (
	ProfileBaseline = 66   // profile_idc
	ConstraintFlags = 0xC0 // constraint_set0 and set1: Constrained Baseline
	LevelIDC        = 30   // level 3.0: ample for PCM bit rates at small sizes
)

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

// SPS returns the sequence parameter set NAL unit for w×h frames (both
// multiples of 16).
func SPS(w, h int) []byte {
	var b bitWriter
	b.u(ProfileBaseline, 8)
	b.u(ConstraintFlags, 8)
	b.u(LevelIDC, 8)
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
	return NAL(0x67, b.trailing())
}

// PPS returns the picture parameter set NAL unit that goes with SPS.
func PPS() []byte {
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
	return NAL(0x68, b.trailing())
}

// IDRFrame codes one w×h frame (multiples of 16) as an IDR NAL unit of
// I_PCM macroblocks, reading pixels from at. Neighbouring IDR frames must
// differ in idrPicID (alternate 0 and 1).
func IDRFrame(w, h, idrPicID int, at func(x, y int) color.RGBA) []byte {
	return NAL(0x65, idrSlice(w, h, idrPicID, at))
}

// RGBAFrame is IDRFrame reading an image whose bounds start at 0,0 and
// are at least w×h.
func RGBAFrame(img *image.RGBA, w, h, idrPicID int) []byte {
	return IDRFrame(w, h, idrPicID, func(x, y int) color.RGBA {
		i := y*img.Stride + 4*x
		p := img.Pix[i : i+4 : i+4]
		return color.RGBA{p[0], p[1], p[2], p[3]}
	})
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
	b.buf = append(make([]byte, 0, (w/16)*(h/16)*386+16), b.buf...)
	var luma [256]byte  // one macroblock
	var cb, cr [64]byte // its 4:2:0 chroma
	for my := 0; my < h/16; my++ {
		for mx := 0; mx < w/16; mx++ {
			for y := range 16 {
				for x := range 16 {
					c := at(mx*16+x, my*16+y)
					yy, _, _ := color.RGBToYCbCr(c.R, c.G, c.B)
					luma[y*16+x] = lumaRange[yy]
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
					cb[y*8+x], cr[y*8+x] = chromaRange[u], chromaRange[v]
				}
			}
			b.ue(25) // mb_type I_PCM
			b.align()
			b.buf = append(append(append(b.buf, luma[:]...), cb[:]...), cr[:]...)
		}
	}
	return b.trailing()
}

// lumaRange and chromaRange map full-range samples to the video ranges
// 16..235 and 16..240, looked up because every pixel needs them.
var lumaRange, chromaRange = rangeTable(219), rangeTable(224)

func rangeTable(span int) (t [256]byte) {
	for v := range t {
		t[v] = byte(16 + int(math.Round(float64(v)*float64(span)/255)))
	}
	return t
}

// NAL adds the header byte and the emulation prevention bytes that keep a
// payload from containing a start code.
func NAL(header byte, rbsp []byte) []byte {
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
