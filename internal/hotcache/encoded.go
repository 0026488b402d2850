package hotcache

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
)

// gzipMin is the body size below which gzip is not worth a variant: the
// header and trailer eat what it saves.
const gzipMin = 256

// Encoded is a body ready to serve: identity and (when it pays) gzip
// bytes, each with its strong ETag. Every header value is built once, as
// a one-element slice assigned directly, so serving a hit allocates
// nothing. Encoded is immutable.
type Encoded struct {
	identity, gzip variant
	contentType    []string
}

type variant struct {
	body          []byte
	etag          string   // quoted strong tag
	etagHeader    []string // {etag}
	lengthHeader  []string // {len(body)}
	encodedHeader []string // {"gzip"} or nil
}

// NewEncoded prepares body (not copied: the caller hands it over) for
// serving with contentType. The gzip variant uses gzip.BestSpeed: fills
// happen about once a second per key, on the request path.
func NewEncoded(contentType string, body []byte) (*Encoded, error) {
	e := &Encoded{contentType: one(contentType)}
	sum := sha256.Sum256(body)
	tag := base64.RawURLEncoding.EncodeToString(sum[:18])
	e.identity = newVariant(body, `"`+tag+`"`, "")
	if len(body) < gzipMin {
		return e, nil
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if buf.Len() < len(body) {
		// A strong tag names one representation: the gzip bytes get
		// their own (RFC 9110 §8.8.3).
		e.gzip = newVariant(buf.Bytes(), `"`+tag+`-gz"`, "gzip")
	}
	return e, nil
}

func newVariant(body []byte, etag, coding string) variant {
	v := variant{body: body, etag: etag, etagHeader: one(etag), lengthHeader: one(strconv.Itoa(len(body)))}
	if coding != "" {
		v.encodedHeader = one(coding)
	}
	return v
}

// one returns a one-element slice whose capacity is one, so a handler
// appending to the header it was assigned to copies instead of writing
// into the shared array.
func one(s string) []string { return []string{s}[:1:1] }

// Identity returns the uncompressed body (shared: do not modify).
func (e *Encoded) Identity() []byte { return e.identity.body }

// Gzip returns the gzip body, nil when the body was too small to gain.
func (e *Encoded) Gzip() []byte { return e.gzip.body }

// ETag returns the quoted strong ETag of the identity body.
func (e *Encoded) ETag() string { return e.identity.etag }
