package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/image/draw"

	"github.com/kira-art/kira/internal/apitest"
	"github.com/kira-art/kira/internal/moderation"
)

// testModeration is every handler test's checker (harness_test.go): the
// local checker with the hash of blockedImage() on its block list, which
// also fails, as a remote checker that is down would, for images of
// exactly unavailableW×unavailableH pixels.
var testModeration moderation.Checker = flakyChecker{moderation.NewLocal(
	moderation.Lists{ImageHashes: []uint64{moderation.PHash(blockedImage())}}, moderation.DefaultMaxDistance)}

const unavailableW, unavailableH = 31, 17

type flakyChecker struct{ *moderation.Local }

func (c flakyChecker) CheckImage(ctx context.Context, img image.Image) (moderation.Verdict, error) {
	if b := img.Bounds(); b.Dx() == unavailableW && b.Dy() == unavailableH {
		return moderation.Verdict{}, errors.New("moderation service unreachable")
	}
	return c.Local.CheckImage(ctx, img)
}

// blockedImage stands in for listed content: concentric rings no other
// test image resembles.
func blockedImage() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 120, 90))
	for y := range 90 {
		for x := range 120 {
			dx, dy := x-40, y-50
			v := uint8(30)
			if (dx*dx+dy*dy)/150%2 == 0 {
				v = 230
			}
			img.SetRGBA(x, y, color.RGBA{v, 255 - v, 90, 255})
		}
	}
	return img
}

// gradient is an ordinary opaque image.
func gradient(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	return img
}

func pngBytes(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// multipartBody builds a multipart/form-data body with the given parts
// (field → filename and content); a nil filename sends a plain field.
type formPart struct {
	field, filename, contentType string
	data                         []byte
}

func multipartBody(t *testing.T, parts ...formPart) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		h := make(map[string][]string)
		disp := `form-data; name="` + p.field + `"`
		if p.filename != "" {
			disp += `; filename="` + p.filename + `"`
		}
		h["Content-Disposition"] = []string{disp}
		if p.contentType != "" {
			h["Content-Type"] = []string{p.contentType}
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.data) //nolint:errcheck // bytes.Buffer
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), b.Bytes()
}

// raw sends a request with a raw body and content type; bad marks it
// deliberately invalid for the contract validator.
func (e *env) raw(method, path, token, contentType string, body []byte, bad bool, header ...string) response {
	e.t.Helper()
	ctx := context.Background()
	if bad {
		ctx = apitest.WithBadRequest(ctx)
	}
	return e.send(ctx, method, path, token, contentType, body, header...)
}

// unchecked sends a GET the contract cannot describe (paths that are not
// routes at all, e.g. traversal attempts) without validation.
func (e *env) unchecked(path string) response {
	e.t.Helper()
	return e.send(apitest.WithoutValidation(context.Background()), "GET", path, "", "", nil)
}

func (e *env) send(ctx context.Context, method, path, token, contentType string, body []byte, header ...string) response {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: out}
}

// uploadFile posts data as the "file" field under a file name.
func (e *env) uploadFile(u user, filename string, data []byte) response {
	e.t.Helper()
	ct, body := multipartBody(e.t, formPart{field: "file", filename: filename, contentType: "application/octet-stream", data: data})
	return e.raw("POST", "/upload", u.Token, ct, body, false)
}

type uploaded struct {
	FileID      string
	Kind        string
	ContentType string
	Size        int64
	Image       *imageJSON
}

type imageJSON struct {
	ImageID, URL, ThumbURL, BlurURL, Blurhash string
	Width, Height                             int
}

// uploadImage uploads a PNG of img and returns the answer.
func (e *env) uploadImage(u user, img image.Image) uploaded {
	e.t.Helper()
	var out uploaded
	expect(e.t, e.uploadFile(u, "picture.png", pngBytes(e.t, img)), 200).json(e.t, &out)
	if out.Image == nil {
		e.t.Fatalf("upload answer has no image: %+v", out)
	}
	return out
}

// fetch GETs a signed URL the server made (its host is the test signer's
// base; the request goes to the test server).
func (e *env) fetch(signed string, header ...string) response {
	e.t.Helper()
	u, err := url.Parse(signed)
	if err != nil || !strings.HasPrefix(u.Path, "/files/") {
		e.t.Fatalf("not a signed file URL: %q", signed)
	}
	return e.raw("GET", u.RequestURI(), "", "", nil, false, header...)
}

// sameImage compares two renderings of an image. Signed URLs are compared
// without their query: the expiry moves on at each hour.
func sameImage(a, b imageJSON) bool {
	strip := func(s string) string { p, _, _ := strings.Cut(s, "?"); return p }
	a.URL, a.ThumbURL, a.BlurURL = strip(a.URL), strip(a.ThumbURL), strip(a.BlurURL)
	b.URL, b.ThumbURL, b.BlurURL = strip(b.URL), strip(b.ThumbURL), strip(b.BlurURL)
	return a == b
}

// resize scales img to w×h.
func resize(img image.Image, w, h int) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(out, out.Bounds(), img, img.Bounds(), draw.Src, nil)
	return out
}
