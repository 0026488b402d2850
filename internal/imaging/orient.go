package imaging

import (
	"bytes"
	"encoding/binary"
	"image"
)

// Orientation returns the EXIF orientation (1–8) of a JPEG: phones store
// portrait photos as landscape pixels plus this tag, and browsers rotate
// them on display (CSS image-orientation: from-image), so sizes and
// derivatives must follow the tag to match what users see. 1 (as stored)
// for other formats, no tag or anything malformed.
func Orientation(data []byte) int {
	if !bytes.HasPrefix(data, []byte{0xff, 0xd8}) {
		return 1
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			return 1
		}
		marker := data[i+1]
		switch {
		case marker == 0xff: // fill byte
			i++
			continue
		case marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8): // no length
			i += 2
			continue
		case marker == 0xda || marker == 0xd9: // image data starts: EXIF comes before
			return 1
		}
		size := int(binary.BigEndian.Uint16(data[i+2:]))
		if size < 2 || i+2+size > len(data) {
			return 1
		}
		if seg := data[i+4 : i+2+size]; marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return exifOrientation(seg[6:])
		}
		i += 2 + size
	}
	return 1
}

// exifOrientation reads tag 0x0112 from IFD0 of a TIFF structure.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(tiff[2:]) != 42 {
		return 1
	}
	ifd := int(bo.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > len(tiff) {
		return 1
	}
	for k := range int(bo.Uint16(tiff[ifd:])) {
		e := ifd + 2 + 12*k
		if e+12 > len(tiff) {
			return 1
		}
		if bo.Uint16(tiff[e:]) != 0x0112 {
			continue
		}
		if bo.Uint16(tiff[e+2:]) != 3 { // SHORT, stored in the value field
			return 1
		}
		if v := int(bo.Uint16(tiff[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 1
	}
	return 1
}

// transposes reports whether an orientation swaps width and height.
func transposes(o int) bool { return o >= 5 && o <= 8 }

// OrientedSize is the displayed size of a w×h image with orientation o.
func OrientedSize(w, h, o int) (int, int) {
	if transposes(o) {
		return h, w
	}
	return w, h
}

// Orient returns img as displayed under EXIF orientation o (a new image
// for 2–8, img itself for 1 or unknown values). Meant for small images
// (derivatives): it copies every pixel.
func Orient(img *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := OrientedSize(w, h, o)
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		for x := range dw {
			var sx, sy int
			switch o {
			case 2: // mirrored
				sx, sy = w-1-x, y
			case 3: // upside down
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored upside down
				sx, sy = x, h-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // stored rotated 90° counter-clockwise: turn clockwise
				sx, sy = y, h-1-x
			case 7: // transversed
				sx, sy = w-1-y, h-1-x
			case 8: // stored rotated 90° clockwise: turn counter-clockwise
				sx, sy = w-1-y, x
			}
			copy(dst.Pix[dst.PixOffset(x, y):][:4], img.Pix[img.PixOffset(b.Min.X+sx, b.Min.Y+sy):][:4])
		}
	}
	return dst
}

// Upright returns img as displayed under orientation o for inspection
// (moderation, hashing): img itself when o is 1, otherwise a copy scaled to
// fit maxSide×maxSide and turned, so the cost stays bounded for any size.
func Upright(img image.Image, o, maxSide int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	return Orient(resizeBox(img, maxSide, maxSide), o)
}
