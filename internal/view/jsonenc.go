package view

import (
	"strconv"
	"unicode/utf8"
)

// The feed shapes are the hottest responses (a page is ~20 posts, ~22 KB),
// so they have hand-written encoders: AppendJSON methods that write exactly
// the bytes encoding/json writes for the same struct — field order, omitted
// empties, HTML-safe escaping — without reflection or per-field
// allocation. TestAppendJSONMatchesEncodingJSON and FuzzAppendJSON hold
// them to encoding/json byte for byte; docs/benchmarks.md has the numbers
// that chose this over the standard encoder and the alternatives.

const hexDigits = "0123456789abcdef"

// safeASCII marks the bytes written as they are: printable ASCII except
// the quote, the backslash and the HTML-sensitive <, > and &.
var safeASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString appends s as a JSON string the way encoding/json does:
// <, >, & and U+2028/U+2029 escaped, invalid UTF-8 replaced by U+FFFD.
// Runs of safe bytes (nearly all of every URL and id) are copied at once.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for len(s) > 0 {
		i := safePrefix(s)
		b = append(b, s[:i]...)
		if i == len(s) {
			break
		}
		s = s[i:]
		c := s[0]
		if c < utf8.RuneSelf {
			b = appendEscaped(b, c)
			s = s[1:]
			continue
		}
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			b = append(b, s[:size]...)
		}
		s = s[size:]
	}
	return append(b, '"')
}

// safePrefix is the length of s's leading run of safe bytes, checked eight
// at a time: a word is safe when no byte is below 0x20, at or above 0x80,
// or one of " \\ < > & (the usual has-less / has-zero bit tricks).
func safePrefix(s string) int {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		q, bs, lt, gt, amp := w^(lsb*'"'), w^(lsb*'\\'), w^(lsb*'<'), w^(lsb*'>'), w^(lsb*'&')
		bad := ((w - lsb*0x20) | w |
			((q - lsb) &^ q) | ((bs - lsb) &^ bs) | ((lt - lsb) &^ lt) | ((gt - lsb) &^ gt) | ((amp - lsb) &^ amp)) & msb
		if bad != 0 {
			break
		}
	}
	for i < len(s) && safeASCII[s[i]] {
		i++
	}
	return i
}

func appendEscaped(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}

// obj writes an object's fields with commas in between.
type obj struct {
	b     []byte
	first bool
}

func (o *obj) key(k string) {
	if o.first {
		o.first = false
	} else {
		o.b = append(o.b, ',')
	}
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
}

func (o *obj) str(k, v string) {
	o.key(k)
	o.b = appendString(o.b, v)
}

func (o *obj) strOmit(k, v string) {
	if v != "" {
		o.str(k, v)
	}
}

func (o *obj) strPtr(k string, v *string) {
	o.key(k)
	if v == nil {
		o.b = append(o.b, "null"...)
		return
	}
	o.b = appendString(o.b, *v)
}

func (o *obj) int(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

func (o *obj) intOmit(k string, v int) {
	if v != 0 {
		o.int(k, int64(v))
	}
}

func (o *obj) bool(k string, v bool) {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
}

func (o *obj) boolPtrOmit(k string, v *bool) {
	if v != nil {
		o.bool(k, *v)
	}
}

func (o *obj) floatPtrOmit(k string, v *float64) {
	if v != nil {
		o.key(k)
		o.b = appendFloat(o.b, *v)
	}
}

// appendFloat formats like encoding/json: shortest representation, 'f'
// unless the exponent is very small or large. NaN and ±Inf cannot occur
// (durations are parsed from JSON and non-negative).
func appendFloat(b []byte, f float64) []byte {
	abs := f
	if abs < 0 {
		abs = -abs
	}
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

func (o *obj) end() []byte { return append(o.b, '}') }

func openObj(b []byte) obj { return obj{b: append(b, '{'), first: true} }

// AppendJSON appends the JSON of the image.
func (v *Image) AppendJSON(b []byte) []byte {
	o := openObj(b)
	o.str("imageId", v.ImageID)
	o.str("url", v.URL)
	o.str("thumbUrl", v.ThumbURL)
	o.str("blurUrl", v.BlurURL)
	o.str("blurhash", v.Blurhash)
	o.int("width", int64(v.Width))
	o.int("height", int64(v.Height))
	o.strOmit("toolCallId", v.ToolCallID)
	o.strOmit("toolName", v.ToolName)
	if v.Seed != nil {
		o.int("seed", *v.Seed)
	}
	o.strOmit("prompt", v.Prompt)
	return o.end()
}

// AppendJSON appends the JSON of the video.
func (v *Video) AppendJSON(b []byte) []byte {
	o := openObj(b)
	o.str("taskId", v.TaskID)
	o.str("status", v.Status)
	o.str("provider", v.Provider)
	o.floatPtrOmit("duration", v.Duration)
	o.strOmit("ratio", v.Ratio)
	o.str("prompt", v.Prompt)
	o.strOmit("sourceImageId", v.SourceImageID)
	o.strOmit("videoId", v.VideoID)
	o.strOmit("thumbId", v.ThumbID)
	o.strOmit("url", v.URL)
	o.strOmit("thumbUrl", v.ThumbURL)
	o.intOmit("width", v.Width)
	o.intOmit("height", v.Height)
	o.strOmit("blurhash", v.Blurhash)
	o.strOmit("errorMessage", v.ErrorMessage)
	o.str("createdAt", v.CreatedAt)
	return o.end()
}

// AppendJSON appends the JSON of the audio.
func (v *Audio) AppendJSON(b []byte) []byte {
	o := openObj(b)
	o.str("taskId", v.TaskID)
	o.str("status", v.Status)
	o.str("provider", v.Provider)
	o.str("prompt", v.Prompt)
	o.strOmit("lyrics", v.Lyrics)
	o.strOmit("style", v.Style)
	o.strOmit("title", v.Title)
	o.boolPtrOmit("instrumental", v.Instrumental)
	o.floatPtrOmit("duration", v.Duration)
	o.strOmit("audioId", v.AudioID)
	o.strOmit("coverId", v.CoverID)
	o.strOmit("url", v.URL)
	o.strOmit("coverUrl", v.CoverURL)
	o.strOmit("errorMessage", v.ErrorMessage)
	o.str("createdAt", v.CreatedAt)
	return o.end()
}

// AppendJSON appends the JSON of the owner.
func (v *Owner) AppendJSON(b []byte) []byte {
	o := openObj(b)
	o.str("id", v.ID)
	o.str("nickname", v.Nickname)
	o.strPtr("avatarUrl", v.AvatarURL)
	o.str("plan", v.Plan)
	return o.end()
}

// AppendJSON appends the JSON of the post.
func (v *Feed) AppendJSON(b []byte) []byte {
	o := openObj(b)
	o.str("id", v.ID)
	o.strPtr("mediaType", v.MediaType)
	o.key("owner")
	o.b = v.Owner.AppendJSON(o.b)
	if v.Image != nil {
		o.key("image")
		o.b = v.Image.AppendJSON(o.b)
	}
	if v.Video != nil {
		o.key("video")
		o.b = v.Video.AppendJSON(o.b)
	}
	if v.Audio != nil {
		o.key("audio")
		o.b = v.Audio.AppendJSON(o.b)
	}
	o.strPtr("originImageId", v.OriginImageID)
	o.str("prompt", v.Prompt)
	o.int("likedNumber", int64(v.LikedNumber))
	o.bool("isLiked", v.IsLiked)
	o.str("createdAt", v.CreatedAt)
	if v.Flag != nil {
		o.key("flag")
		o.b = appendStrings(o.b, *v.Flag)
	}
	return o.end()
}

func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

func appendFeeds(b []byte, fs []Feed) []byte {
	if fs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		b = fs[i].AppendJSON(b)
	}
	return append(b, ']')
}

// AppendJSON appends the JSON of the page.
func (v *FeedPage) AppendJSON(b []byte) []byte {
	o := openObj(b)
	o.key("feeds")
	o.b = appendFeeds(o.b, v.Feeds)
	o.bool("hasMore", v.HasMore)
	o.strOmit("nextCursor", v.NextCursor)
	return o.end()
}

// AppendJSON appends the JSON of the list.
func (v *FeedList) AppendJSON(b []byte) []byte {
	o := openObj(b)
	o.key("feeds")
	o.b = appendFeeds(o.b, v.Feeds)
	return o.end()
}

// Appender is a shape with a hand-written encoder.
type Appender interface {
	AppendJSON(b []byte) []byte
}
