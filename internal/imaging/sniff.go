// Package imaging recognises uploaded media from their bytes, decodes images
// within a pixel budget and makes the derivatives clients show (thumbnail,
// blurred placeholder, blurhash).
//
// Types are decided from magic numbers only: names and client-sent content
// types lie, and http.DetectContentType knows neither WebP nor MP4/M4A
// brands nor MP3 frames.
package imaging

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// Kinds of media the server accepts.
const (
	KindImage = "image"
	KindVideo = "video"
	KindAudio = "audio"
)

// Format is an accepted media type.
type Format struct {
	ContentType string // e.g. "image/png"
	Kind        string // KindImage, KindVideo or KindAudio
	Ext         string // file name extension with the dot, e.g. ".png"
}

// The accepted formats. Content types are the registered ones (audio/mp4 for
// M4A, audio/mpeg for MP3, audio/wav for WAV).
var (
	PNG  = Format{"image/png", KindImage, ".png"}
	JPEG = Format{"image/jpeg", KindImage, ".jpg"}
	WebP = Format{"image/webp", KindImage, ".webp"}
	GIF  = Format{"image/gif", KindImage, ".gif"}
	MP4  = Format{"video/mp4", KindVideo, ".mp4"}
	WebM = Format{"video/webm", KindVideo, ".webm"}
	MP3  = Format{"audio/mpeg", KindAudio, ".mp3"}
	WAV  = Format{"audio/wav", KindAudio, ".wav"}
	M4A  = Format{"audio/mp4", KindAudio, ".m4a"}
)

var formats = []Format{PNG, JPEG, WebP, GIF, MP4, WebM, MP3, WAV, M4A}

// SniffLen is how many leading bytes Sniff needs at most; fewer work for
// short files.
const SniffLen = 512

// Sniff recognises an accepted format from the first bytes of a file (pass
// at least SniffLen bytes when the file has them). ok is false for anything
// else, including formats the server does not accept (HEIC, AVIF, QuickTime,
// Matroska, SVG, text …).
func Sniff(head []byte) (f Format, ok bool) {
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, true
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return JPEG, true
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return GIF, true
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return WebP, true
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WAVE":
		return WAV, true
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		return sniffISO(head)
	case bytes.HasPrefix(head, []byte("\x1a\x45\xdf\xa3")):
		if ebmlDocType(head) == "webm" {
			return WebM, true
		}
	case bytes.HasPrefix(head, []byte("ID3")) && len(head) >= 10:
		return MP3, true
	case mpegAudioFrame(head):
		return MP3, true
	}
	return Format{}, false
}

// ISO base media brands (the ftyp box) accepted as MP4 video or M4A audio.
// HEIF/AVIF images and QuickTime also start with ftyp and are refused.
var (
	videoBrands = map[string]bool{"isom": true, "iso2": true, "iso3": true, "iso4": true, "iso5": true,
		"iso6": true, "mp41": true, "mp42": true, "avc1": true, "M4V ": true, "dash": true, "MSNV": true}
	audioBrands = map[string]bool{"M4A ": true, "M4B ": true}
)

func sniffISO(head []byte) (Format, bool) {
	switch {
	case audioBrands[string(head[8:12])]:
		return M4A, true
	case videoBrands[string(head[8:12])]:
		return MP4, true
	}
	return Format{}, false
}

// ebmlDocType reads the DocType element (id 0x4282) of an EBML header, which
// tells WebM from other Matroska files.
func ebmlDocType(head []byte) string {
	i := bytes.Index(head, []byte{0x42, 0x82})
	if i < 0 || i+2 >= len(head) {
		return ""
	}
	size, n := ebmlVint(head[i+2:])
	start := i + 2 + n
	if n == 0 || size > 32 || start+int(size) > len(head) {
		return ""
	}
	return strings.TrimRight(string(head[start:start+int(size)]), "\x00")
}

// ebmlVint decodes an EBML variable-length size; n is 0 when malformed.
func ebmlVint(b []byte) (size uint64, n int) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0
	}
	for n = 1; b[0]&(0x80>>(n-1)) == 0; n++ {
	}
	if n > 8 || len(b) < n {
		return 0, 0
	}
	var buf [8]byte
	copy(buf[8-n:], b[:n])
	buf[8-n] &^= 0x80 >> (n - 1)
	return binary.BigEndian.Uint64(buf[:]), n
}

// mpegAudioFrame reports whether head starts with a valid MPEG audio layer
// III frame header (an MP3 without an ID3 tag): 11 sync bits, a defined
// version, layer III, a bitrate index other than free/bad and a defined
// sample rate. JPEG (FF D8) and AAC ADTS (layer 00) do not match.
func mpegAudioFrame(head []byte) bool {
	if len(head) < 4 || head[0] != 0xff || head[1]&0xe0 != 0xe0 {
		return false
	}
	version := (head[1] >> 3) & 0x03
	layer := (head[1] >> 1) & 0x03
	bitrate := head[2] >> 4
	rate := (head[2] >> 2) & 0x03
	return version != 0x01 && layer == 0x01 && bitrate != 0x00 && bitrate != 0x0f && rate != 0x03
}

// ByExt returns the accepted format with a file name extension (".png";
// ".jpeg" is accepted as JPEG), for serving stored files with the right
// Content-Type.
func ByExt(ext string) (Format, bool) {
	ext = strings.ToLower(ext)
	if ext == ".jpeg" {
		return JPEG, true
	}
	for _, f := range formats {
		if f.Ext == ext {
			return f, true
		}
	}
	return Format{}, false
}

// ByContentType returns the accepted format with a content type.
func ByContentType(ct string) (Format, bool) {
	ct = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	for _, f := range formats {
		if f.ContentType == ct {
			return f, true
		}
	}
	return Format{}, false
}
