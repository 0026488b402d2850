package avenc

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
)

// The MP4 files are minimal ISO-BMFF: ftyp, then moov (the index, first, so
// players start at once: "faststart"), then mdat with one length-prefixed
// NAL unit per sample. The movie timescale is 1000, so frame rates must
// divide 1000 (8, 10, 20, 25 …).

// MuxMP4 returns an MP4 file of one H.264 track at fps frames per second
// holding samples (NAL units such as IDRFrame's) in memory. For long clips
// use MP4Writer, which spools samples instead.
func MuxMP4(w, h, fps int, sps, pps []byte, samples [][]byte) []byte {
	sizes := make([]uint32, len(samples))
	dataLen := 0
	for i, s := range samples {
		sizes[i] = uint32(4 + len(s))
		dataLen += 4 + len(s)
	}
	head := mp4Head(w, h, fps, sps, pps, sizes, uint32(dataLen))
	out := make([]byte, 0, len(head)+dataLen)
	out = append(out, head...)
	for _, s := range samples {
		out = binary.BigEndian.AppendUint32(out, uint32(len(s)))
		out = append(out, s...)
	}
	return out
}

// mp4Head returns ftyp, moov and the mdat header for samples of the given
// sizes (each with its 4-byte length prefix) adding up to dataLen.
func mp4Head(w, h, fps int, sps, pps []byte, sizes []uint32, dataLen uint32) []byte {
	ftyp := box("ftyp", []byte("isom"), be32(512), []byte("isomiso2avc1mp41"))
	moovLen := len(moov(w, h, fps, sps, pps, sizes, 0))
	offset := uint32(len(ftyp) + moovLen + 8)
	out := append(ftyp, moov(w, h, fps, sps, pps, sizes, offset)...)
	out = binary.BigEndian.AppendUint32(out, 8+dataLen)
	return append(out, "mdat"...)
}

func moov(w, h, fps int, sps, pps []byte, sizes []uint32, offset uint32) []byte {
	const timescale = 1000
	delta := uint32(timescale / fps)
	n := uint32(len(sizes))
	duration := delta * n
	avcC := box("avcC", []byte{1, ProfileBaseline, ConstraintFlags, LevelIDC, 0xFF, 0xE1}, be16(uint16(len(sps))), sps,
		[]byte{1}, be16(uint16(len(pps))), pps)
	compressor := make([]byte, 32)
	avc1 := box("avc1", make([]byte, 6), be16(1, 0, 0), make([]byte, 12), be16(uint16(w), uint16(h)),
		be32(0x00480000, 0x00480000, 0), be16(1), compressor, be16(0x0018, 0xFFFF), avcC)
	stbl := box("stbl",
		fullBox("stsd", 0, be32(1), avc1),
		fullBox("stts", 0, be32(1, n, delta)),
		fullBox("stsc", 0, be32(1, 1, n, 1)),
		fullBox("stsz", 0, be32(0, n), be32(sizes...)),
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

// maxMP4Data keeps mdat and its 32-bit chunk offset below 4 GiB.
const maxMP4Data = 1<<32 - 1<<20

// MP4Writer encodes frames one at a time into a faststart MP4 without
// holding them: samples go to a spool (a temporary file), and Finish writes
// the index followed by the spooled samples to the destination. Memory use
// is one frame plus four bytes per frame.
type MP4Writer struct {
	w, h, fps int
	sps, pps  []byte
	spool     io.ReadWriteSeeker
	buf       *bufio.Writer
	sizes     []uint32
	dataLen   uint64
	err       error
}

// NewMP4Writer returns a writer of w×h frames (multiples of 16) at fps
// (a divisor of 1000) that spools samples to spool, which must be empty.
func NewMP4Writer(w, h, fps int, spool io.ReadWriteSeeker) (*MP4Writer, error) {
	if err := CheckPCMSize(w, h, fps); err != nil {
		return nil, err
	}
	return &MP4Writer{w: w, h: h, fps: fps, sps: SPS(w, h), pps: PPS(), spool: spool,
		buf: bufio.NewWriterSize(spool, 256<<10)}, nil
}

// CheckPCMSize reports whether the Go encoder can write w×h frames at fps.
func CheckPCMSize(w, h, fps int) error {
	switch {
	case w <= 0 || h <= 0 || w%16 != 0 || h%16 != 0 || w > 4096 || h > 4096:
		return fmt.Errorf("avenc: frame size %dx%d (want multiples of 16 up to 4096)", w, h)
	case fps <= 0 || 1000%fps != 0:
		return fmt.Errorf("avenc: frame rate %d (want a divisor of 1000)", fps)
	}
	return nil
}

// WriteFrame encodes img (at least w×h, bounds starting at 0,0) as the
// next frame.
func (m *MP4Writer) WriteFrame(img *image.RGBA) error {
	if m.err != nil {
		return m.err
	}
	if b := img.Bounds(); b.Min != (image.Point{}) || b.Dx() < m.w || b.Dy() < m.h {
		return fmt.Errorf("avenc: frame bounds %v for %dx%d", b, m.w, m.h)
	}
	nal := RGBAFrame(img, m.w, m.h, len(m.sizes)%2)
	if m.dataLen+uint64(4+len(nal)) > maxMP4Data {
		m.err = errors.New("avenc: video exceeds 4 GiB")
		return m.err
	}
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(nal)))
	if _, err := m.buf.Write(n[:]); err != nil {
		m.err = err
		return err
	}
	if _, err := m.buf.Write(nal); err != nil {
		m.err = err
		return err
	}
	m.sizes = append(m.sizes, uint32(4+len(nal)))
	m.dataLen += uint64(4 + len(nal))
	return nil
}

// Frames returns how many frames were written.
func (m *MP4Writer) Frames() int { return len(m.sizes) }

// Finish writes the whole MP4 file to dst. The writer is done afterwards.
func (m *MP4Writer) Finish(dst io.Writer) error {
	if m.err != nil {
		return m.err
	}
	m.err = errors.New("avenc: MP4Writer already finished")
	if len(m.sizes) == 0 {
		return errors.New("avenc: no frames")
	}
	if err := m.buf.Flush(); err != nil {
		return err
	}
	if _, err := m.spool.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := dst.Write(mp4Head(m.w, m.h, m.fps, m.sps, m.pps, m.sizes, uint32(m.dataLen))); err != nil {
		return err
	}
	n, err := io.Copy(dst, m.spool)
	if err == nil && uint64(n) != m.dataLen {
		err = fmt.Errorf("avenc: spool returned %d of %d bytes", n, m.dataLen)
	}
	return err
}
