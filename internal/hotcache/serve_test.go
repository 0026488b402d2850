package hotcache

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// bigEntry is an encoded page large enough to get a gzip variant.
func bigEntry(t testing.TB) *Encoded {
	t.Helper()
	e, err := NewEncoded("application/json", []byte(`{"feeds":[`+strings.Repeat(`{"id":"x","prompt":"neon rain"},`, 40)+`{}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if e.Gzip() == nil {
		t.Fatal("no gzip variant for a compressible body")
	}
	return e
}

func serve(e *Encoded, method string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "/feed/", nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	ServeEncoded(w, r, e)
	return w
}

func TestServeIdentity(t *testing.T) {
	t.Parallel()
	e := bigEntry(t)
	w := serve(e, "GET")
	h := w.Result().Header
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), e.Identity()) || h.Get("Content-Encoding") != "" {
		t.Fatalf("%d %q encoding %q", w.Code, w.Body.Bytes(), h.Get("Content-Encoding"))
	}
	if h.Get("Etag") != e.ETag() || !strings.HasPrefix(e.ETag(), `"`) || strings.HasPrefix(e.ETag(), "W/") {
		t.Fatalf("etag %q, want the strong %q", h.Get("Etag"), e.ETag())
	}
	if h.Get("Content-Length") != strconv.Itoa(len(e.Identity())) || h.Get("Content-Type") != "application/json" ||
		h.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("headers %v", h)
	}
}

func TestGzipNegotiation(t *testing.T) {
	t.Parallel()
	e := bigEntry(t)
	cases := map[string]bool{
		"gzip":                          true,
		"GZIP":                          true,
		"x-gzip":                        true,
		"gzip, deflate, br, zstd":       true,
		"br;q=1.0, gzip;q=0.8, *;q=0.1": true,
		"*":                             true,
		"identity;q=0, gzip;q=0.001":    true,
		"deflate,,  ,gzip ;q=1":         true,
		"gzip;q=0":                      false,
		"gzip; q=0.000":                 false,
		"gzip;q=0.5, identity":          false,
		"*;q=0":                         false,
		"*, gzip;q=0":                   false,
		"deflate":                       false,
		"br":                            false,
		"":                              false,
		"gzip;q=abc":                    false,
		"gzip;q=1.5":                    false,
		"gzip;q=0.1234":                 false,
		"gzip;q":                        false,
		"gzip;level=9;q=0.9":            true,
		"gzip;q=0.5":                    true,
		"gzipx":                         false,
		"identity":                      false,
	}
	for ae, wantGzip := range cases {
		w := serve(e, "GET", "Accept-Encoding", ae)
		gotGzip := w.Result().Header.Get("Content-Encoding") == "gzip"
		if gotGzip != wantGzip {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", ae, gotGzip, wantGzip)
			continue
		}
		if !gotGzip {
			continue
		}
		zr, err := gzip.NewReader(w.Body)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(plain, e.Identity()) {
			t.Fatalf("gzip body does not decode to the identity body: %v", err)
		}
		if w.Result().Header.Get("Content-Length") != strconv.Itoa(len(e.Gzip())) || w.Result().Header.Get("Etag") == e.ETag() {
			t.Fatalf("gzip headers %v", w.Result().Header)
		}
	}
	// No header at all: identity, which every client reads.
	if w := serve(e, "GET"); w.Result().Header.Get("Content-Encoding") != "" {
		t.Fatal("gzip without Accept-Encoding")
	}
	// Two field lines combine.
	if w := serve(e, "GET", "Accept-Encoding", "br", "Accept-Encoding", "gzip"); w.Result().Header.Get("Content-Encoding") != "gzip" {
		t.Fatal("second Accept-Encoding line ignored")
	}
}

func TestSmallBodyHasNoGzipVariant(t *testing.T) {
	t.Parallel()
	e, err := NewEncoded("application/json", []byte(`{"feeds":[]}`))
	if err != nil || e.Gzip() != nil {
		t.Fatalf("gzip variant of a tiny body: %v", err)
	}
	w := serve(e, "GET", "Accept-Encoding", "gzip")
	if w.Code != 200 || w.Body.String() != `{"feeds":[]}` || w.Result().Header.Get("Content-Encoding") != "" {
		t.Fatalf("%d %q", w.Code, w.Body.String())
	}
}

func TestNotModified(t *testing.T) {
	t.Parallel()
	e := bigEntry(t)
	gzTag := serve(e, "GET", "Accept-Encoding", "gzip").Result().Header.Get("Etag")
	cases := []struct {
		inm, ae string
		want    int
	}{
		{e.ETag(), "", 304},
		{"W/" + e.ETag(), "", 304},
		{`"other", ` + e.ETag(), "", 304},
		{` ,"other" ,, W/` + e.ETag() + " ", "", 304},
		{"*", "", 304},
		{" * ", "gzip", 304},
		{gzTag, "gzip", 304},
		{gzTag, "", 200},        // the tag of another representation
		{e.ETag(), "gzip", 200}, // likewise
		{`"other"`, "", 200},
		{"garbage", "", 200},
		{e.ETag()[1 : len(e.ETag())-1], "", 200}, // unquoted
		{e.ETag() + ", garbage", "", 200},
		{e.ETag() + " " + e.ETag(), "", 200},
		{`*, ` + e.ETag(), "", 200},
		{`w/` + e.ETag(), "", 200},
		{`"` + e.ETag(), "", 200},
		{e.ETag()[:len(e.ETag())-1], "", 200},
		{"", "", 200},
	}
	for _, c := range cases {
		w := serve(e, "GET", "If-None-Match", c.inm, "Accept-Encoding", c.ae)
		if w.Code != c.want {
			t.Errorf("If-None-Match %q (Accept-Encoding %q): %d, want %d", c.inm, c.ae, w.Code, c.want)
		}
		h := w.Result().Header
		if c.want == 304 && (w.Body.Len() != 0 || h.Get("Etag") == "" || h.Get("Vary") == "" ||
			h.Get("Content-Length") != "" || h.Get("Content-Encoding") != "") {
			t.Errorf("304 for %q: body %d bytes, headers %v", c.inm, w.Body.Len(), h)
		}
	}
	// A garbage line spoils a matching one: the header is ignored.
	if w := serve(e, "GET", "If-None-Match", e.ETag(), "If-None-Match", "garbage"); w.Code != 200 {
		t.Fatalf("garbage second line: %d", w.Code)
	}
	if w := serve(e, "GET", "If-None-Match", `"other"`, "If-None-Match", e.ETag()); w.Code != 304 {
		t.Fatalf("match on the second line: %d", w.Code)
	}
	if w := serve(e, "HEAD", "If-None-Match", e.ETag()); w.Code != 304 {
		t.Fatalf("HEAD: %d", w.Code)
	}
}

func TestServeKeepsCallerHeaders(t *testing.T) {
	t.Parallel()
	e := bigEntry(t)
	r := httptest.NewRequest("GET", "/op/about", nil)
	r.Header.Set("If-None-Match", e.ETag())
	w := httptest.NewRecorder()
	w.Header().Set("Vary", "Accept-Language")
	w.Header().Set("Cache-Control", "public, max-age=1")
	ServeEncoded(w, r, e)
	h := w.Result().Header
	if w.Code != 304 || !slices.Equal(h.Values("Vary"), []string{"Accept-Language", "Accept-Encoding"}) ||
		h.Get("Cache-Control") != "public, max-age=1" {
		t.Fatalf("%d %v", w.Code, h)
	}
}

func TestHeadHasNoBody(t *testing.T) {
	t.Parallel()
	e := bigEntry(t)
	w := serve(e, "HEAD")
	if w.Code != 200 || w.Body.Len() != 0 || w.Result().Header.Get("Content-Length") != strconv.Itoa(len(e.Identity())) {
		t.Fatalf("%d body %d headers %v", w.Code, w.Body.Len(), w.Result().Header)
	}
}

// TestServeBytesThroughServer: a real client and server agree with the
// headers (Content-Length exact, transparent gzip decoding).
func TestServeBytesThroughServer(t *testing.T) {
	t.Parallel()
	fill, _ := counting()
	c, _ := newPageCache(t, nil, func(ctx context.Context, key string) (page, error) {
		p, err := fill(ctx, key)
		p.Items = slices.Repeat(p.Items, 100)
		return p, err
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, err := c.Get(r.Context(), "k")
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		ServeBytes(w, r, e)
	}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL) // Go's transport asks for gzip and decodes it
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !resp.Uncompressed || !bytes.Equal(body, mustGet(t, c, "k").Body.Identity()) {
		t.Fatalf("%d uncompressed %v body %q", resp.StatusCode, resp.Uncompressed, body)
	}
}
