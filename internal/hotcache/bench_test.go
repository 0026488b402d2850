package hotcache

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

// discardWriter is a ResponseWriter that keeps one header map, so the
// benchmark measures the cache and ServeBytes, not a recorder.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(s int)           { w.status = s }

// BenchmarkCacheHit: an anonymous feed page read through Get and served
// by ServeBytes, as the feed handler will do on a hit.
func BenchmarkCacheHit(b *testing.B) {
	for _, bc := range []struct{ name, ae, inm string }{
		{"identity", "", ""},
		{"gzip", "gzip, deflate, br, zstd", ""},
		{"304", "gzip, deflate, br, zstd", "etag"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c, err := New(nil, Options[page]{MaxAge: time.Hour, Encode: encodeJSON, ContentType: "application/json",
				Fill: func(context.Context, string) (page, error) {
					return page{Items: slices.Repeat([]string{"a post of the feed page with its prompt"}, 50)}, nil
				}})
			if err != nil {
				b.Fatal(err)
			}
			e, err := c.Get(context.Background(), "image")
			if err != nil {
				b.Fatal(err)
			}
			r := httptest.NewRequest("GET", "/feed/?page=1&mediaType=image", nil)
			if bc.ae != "" {
				r.Header.Set("Accept-Encoding", bc.ae)
			}
			if bc.inm != "" {
				r.Header.Set("If-None-Match", `"other", `+e.Body.gzip.etag)
			}
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				e, err := c.Get(r.Context(), "image")
				if err != nil {
					b.Fatal(err)
				}
				ServeBytes(w, r, e)
			}
			if want := map[string]int{"304": 304}[bc.name]; want != 0 && w.status != want || want == 0 && w.status != 200 {
				b.Fatalf("status %d", w.status)
			}
		})
	}
}
