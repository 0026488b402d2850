package uimsg

import (
	"net/url"
	"strings"
)

// FileURLReason says why url may not be the url of a file part, or returns
// "" when it may. Allowed: absolute http: and https: URLs with a host,
// data: URLs of images (data:image/<subtype>[;params],…), and the server's
// own signed file URLs, which are absolute http(s) URLs or, with no public
// base configured, a path under /files/. Everything else (javascript:,
// file:, data:text/html, scheme-relative //host, relative paths) is
// refused: clients render these URLs as links and images.
func FileURLReason(u string) string {
	const refused = "must be an http(s) URL, a data: image URL or a /files/ URL"
	if strings.HasPrefix(u, "/files/") {
		p, err := url.Parse(u)
		if err != nil || p.Scheme != "" || p.Host != "" || !strings.HasPrefix(p.Path, "/files/") {
			return refused
		}
		return ""
	}
	scheme, rest, ok := strings.Cut(u, ":")
	if !ok {
		return refused
	}
	switch strings.ToLower(scheme) {
	case "http", "https":
		p, err := url.Parse(u)
		if err != nil || p.Host == "" || p.Opaque != "" {
			return refused
		}
		return ""
	case "data":
		if !isImageDataURL(rest) {
			return refused
		}
		return ""
	}
	return refused
}

// isImageDataURL checks the part of a data: URL after "data:": a media
// type image/<subtype> (RFC 2397 tokens), optional ";param" and ";base64",
// then a comma.
func isImageDataURL(rest string) bool {
	head, _, ok := strings.Cut(rest, ",")
	if !ok {
		return false
	}
	mt, _, _ := strings.Cut(head, ";")
	typ, sub, ok := strings.Cut(strings.ToLower(mt), "/")
	if !ok || typ != "image" || !isToken(sub) {
		return false
	}
	for _, c := range head {
		if c <= ' ' || c >= 0x7f {
			return false // no spaces or controls hiding in the header
		}
	}
	return true
}

// isToken reports a non-empty RFC 2045 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}
