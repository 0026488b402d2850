// Package view holds the API's shapes (API.md §2 and every response body)
// as typed structs, and the one converter that turns store rows into them.
// HTTP handlers, the agent's tool outputs, realtime payloads and `kira
// seed` all render through this package, so a field is spelled, signed and
// defaulted in exactly one place; api/openapi.yaml validation in the
// handler tests is the second net.
package view

import (
	"time"
)

// URLSigner makes the URL a client fetches a stored object from (the blob
// store: HMAC-signed local URLs or S3 presigned ones).
type URLSigner interface {
	URL(key string) string
}

// Converter renders store rows as API shapes, signing file URLs on the way.
// It is safe for concurrent use.
type Converter struct {
	urls URLSigner
}

// New returns a converter signing with urls.
func New(urls URLSigner) *Converter { return &Converter{urls: urls} }

// FileURL signs a storage key; an empty key gives an empty URL.
func (c *Converter) FileURL(key string) string {
	if key == "" {
		return ""
	}
	return c.urls.URL(key)
}

// Time formats a time as the API prints it: RFC 3339 UTC with
// milliseconds (e.g. 2026-11-27T05:31:56.123Z).
func Time(t time.Time) string {
	var b [24]byte
	return string(AppendTime(b[:0], t))
}

// AppendTime appends Time(t) to b without going through time.Format's
// layout interpreter (a feed page prints ~40 timestamps).
func AppendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	ms := t.Nanosecond() / 1e6
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, "2006-01-02T15:04:05.000Z")
	}
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, int(mo))
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, 'T')
	b = append2(b, h)
	b = append(b, ':')
	b = append2(b, mi)
	b = append(b, ':')
	b = append2(b, s)
	b = append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
	return b
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

func append4(b []byte, n int) []byte {
	return append(b, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
}

// OptTime formats a nullable time (nil stays null).
func OptTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := Time(*t)
	return &s
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
