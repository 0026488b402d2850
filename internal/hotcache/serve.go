package hotcache

import (
	"net/http"
)

var varyAcceptEncoding = one("Accept-Encoding")

// ServeBytes writes e's encoded body: gzip when the request's
// Accept-Encoding prefers it, the matching strong ETag, Vary:
// Accept-Encoding (added to any Vary the caller set, e.g.
// Accept-Language), Content-Length, and 304 with no body when
// If-None-Match matches. Headers such as Cache-Control set by the caller
// beforehand go out with the 304 too, as RFC 9110 §15.4.5 asks.
func ServeBytes[V any](w http.ResponseWriter, r *http.Request, e *Entry[V]) {
	ServeEncoded(w, r, e.Body)
}

// ServeEncoded is ServeBytes for an Encoded without its Entry.
func ServeEncoded(w http.ResponseWriter, r *http.Request, e *Encoded) {
	h := w.Header()
	if vary := h["Vary"]; vary == nil {
		h["Vary"] = varyAcceptEncoding
	} else {
		h["Vary"] = append(vary, "Accept-Encoding")
	}
	v := &e.identity
	if e.gzip.body != nil && acceptsGzip(r.Header["Accept-Encoding"]) {
		v = &e.gzip
	}
	h["Etag"] = v.etagHeader
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && noneMatch(r.Header["If-None-Match"], v.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if v.encodedHeader != nil {
		h["Content-Encoding"] = v.encodedHeader
	}
	if e.contentType[0] != "" {
		h["Content-Type"] = e.contentType
	}
	h["Content-Length"] = v.lengthHeader
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(v.body) //nolint:errcheck // the client went away; nothing to do
	}
}
