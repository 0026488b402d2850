package media

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
)

// tinyWebP is a 1×1 lossless WebP (the standard library cannot encode one).
const tinyWebP = "UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA=="

func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// imagesJSON writes an ImagesResponse with the given data entries.
func imagesJSON(w http.ResponseWriter, data ...map[string]string) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"created": 1700000000, "data": data})
}

// newTestImages starts srv and returns a provider talking to its /v1/.
func newTestImages(t *testing.T, h http.HandlerFunc, cfg Config) (*OpenAIImages, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg.BaseURL = srv.URL + "/v1/"
	if cfg.Model == "" && cfg.Models == nil {
		cfg.Model = "stablediffusion"
	}
	cfg.HTTPClient = srv.Client()
	p, err := NewOpenAIImages(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p, srv
}

func TestOpenAIImagesGenerate(t *testing.T) {
	t.Parallel()
	pngData, jpegData := testPNG(t, 1024, 576), testJPEG(t, 640, 360)
	p, _ := newTestImages(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/images/generations" {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer sk-test" {
			t.Errorf("Authorization %q", got)
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("body: %v", err)
		}
		want := map[string]any{"prompt": "a red fox", "model": "sdxl", "n": 2.0, "size": "1024x576", "response_format": "b64_json"}
		for k, v := range want {
			if body[k] != v {
				t.Errorf("%s = %v, want %v", k, body[k], v)
			}
		}
		if _, ok := body["output_format"]; ok {
			t.Errorf("output_format sent to a non-GPT-image model: %v", body)
		}
		// The server decides the real size: report what it returned.
		imagesJSON(w, map[string]string{"b64_json": b64(pngData)}, map[string]string{"b64_json": b64(jpegData)})
	}, Config{APIKey: "sk-test", Model: "sd-default", Models: map[string]string{"Ultra": "sdxl"}})

	if p.Name() != "openai" {
		t.Fatalf("Name %q", p.Name())
	}
	got, err := p.Generate(context.Background(), ImageRequest{Prompt: "a red fox", Ratio: "16:9", Model: "ultra", Count: 2, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d images", len(got))
	}
	want := []GeneratedImage{
		{Data: pngData, ContentType: "image/png", Width: 1024, Height: 576, Seed: 42},
		{Data: jpegData, ContentType: "image/jpeg", Width: 640, Height: 360, Seed: 42},
	}
	for i := range want {
		g, w := got[i], want[i]
		if !bytes.Equal(g.Data, w.Data) || g.ContentType != w.ContentType || g.Width != w.Width || g.Height != w.Height || g.Seed != w.Seed {
			t.Errorf("image %d: %s %dx%d seed %d, want %s %dx%d seed %d", i, g.ContentType, g.Width, g.Height, g.Seed, w.ContentType, w.Width, w.Height, w.Seed)
		}
	}
}

func TestOpenAIImagesGPTImageUsesOutputFormat(t *testing.T) {
	t.Parallel()
	webp, _ := base64.StdEncoding.DecodeString(tinyWebP)
	p, _ := newTestImages(t, func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		if _, ok := body["response_format"]; ok { // as api.openai.com does
			w.Header().Set("x-should-retry", "false")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"message":"Unknown parameter: 'response_format'.","type":"invalid_request_error","param":"response_format","code":"unknown_parameter"}}`)
			return
		}
		if body["output_format"] != "png" || body["model"] != "gpt-image-1-mini" || body["size"] != "512x512" || body["n"] != 1.0 {
			t.Errorf("body %v", body)
		}
		imagesJSON(w, map[string]string{"b64_json": tinyWebP})
	}, Config{Model: "gpt-image-1", Models: map[string]string{"lite": "gpt-image-1-mini"}})

	got, err := p.Generate(context.Background(), ImageRequest{Prompt: "x", Model: "lite", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	if g := got[0]; !bytes.Equal(g.Data, webp) || g.ContentType != "image/webp" || g.Width != 1 || g.Height != 1 {
		t.Fatalf("got %s %dx%d", g.ContentType, g.Width, g.Height)
	}
}

func TestOpenAIImagesEdit(t *testing.T) {
	t.Parallel()
	src := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range src.Pix {
		src.Pix[i] = 200
	}
	src.SetRGBA(3, 4, color.RGBA{1, 2, 3, 255})
	out := testPNG(t, 768, 768)
	p, _ := newTestImages(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/images/edits" {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
		}
		if err := r.ParseMultipartForm(10 << 20); err != nil {
			t.Errorf("multipart: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		want := map[string]string{"prompt": "make it night", "model": "stablediffusion", "n": "3", "size": "768x768", "response_format": "b64_json"}
		for k, v := range want {
			if got := r.FormValue(k); got != v {
				t.Errorf("field %s = %q, want %q", k, got, v)
			}
		}
		files := r.MultipartForm.File["image"]
		if len(files) != 1 {
			t.Errorf("image parts: %d", len(files))
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		fh := files[0]
		if fh.Filename != "image.png" || fh.Header.Get("Content-Type") != "image/png" {
			t.Errorf("image part %q %q", fh.Filename, fh.Header.Get("Content-Type"))
		}
		f, _ := fh.Open()
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Errorf("image part is not a PNG: %v", err)
		} else if img.Bounds() != src.Bounds() || color.RGBAModel.Convert(img.At(3, 4)) != (color.RGBA{1, 2, 3, 255}) {
			t.Errorf("image part %v differs from the source", img.Bounds())
		}
		d := map[string]string{"b64_json": b64(out)}
		imagesJSON(w, d, d, d)
	}, Config{})

	got, err := p.Generate(context.Background(), ImageRequest{Prompt: "make it night", Model: "nova", Ratio: "1:1", Count: 3, Source: src})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[2].Width != 768 || got[2].ContentType != "image/png" {
		t.Fatalf("got %d images, last %+v", len(got), got[len(got)-1].ContentType)
	}
}

func TestOpenAIImagesURLResponse(t *testing.T) {
	t.Parallel()
	pngData, jpegData := testPNG(t, 64, 48), testJPEG(t, 32, 32)
	var baseURL atomic.Value
	p, srv := newTestImages(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/images/generations":
			// An absolute URL and a path, as LocalAI-style servers answer.
			imagesJSON(w, map[string]string{"url": baseURL.Load().(string) + "/files/a.png?sig=secret"},
				map[string]string{"url": "/files/b.jpg"})
		case "/files/a.png", "/files/b.jpg":
			if r.Method != http.MethodGet || r.Header.Get("Authorization") != "" {
				t.Errorf("download %s with Authorization %q", r.Method, r.Header.Get("Authorization"))
			}
			if r.URL.Path == "/files/a.png" {
				w.Write(pngData)
			} else {
				w.Write(jpegData)
			}
		default:
			http.NotFound(w, r)
		}
	}, Config{APIKey: "sk-test"})
	baseURL.Store(srv.URL)

	got, err := p.Generate(context.Background(), ImageRequest{Prompt: "x", Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[0].Data, pngData) || got[0].Width != 64 || got[0].Height != 48 || got[0].ContentType != "image/png" ||
		!bytes.Equal(got[1].Data, jpegData) || got[1].ContentType != "image/jpeg" {
		t.Fatalf("got %s %dx%d, %s", got[0].ContentType, got[0].Width, got[0].Height, got[1].ContentType)
	}
}

func TestOpenAIImagesURLDownloadFailures(t *testing.T) {
	t.Parallel()
	cases := map[string]string{"/files/missing.png": "HTTP 404", "/files/huge.png": "limit"}
	for path, want := range cases {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			p, _ := newTestImages(t, func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/v1/images/generations":
					imagesJSON(w, map[string]string{"url": path + "?sig=secret"})
				case "/files/huge.png":
					// No Content-Length: the limit must hold while reading.
					w.Write(testPNG(t, 8, 8))
					w.(http.Flusher).Flush()
					chunk := make([]byte, 1<<20)
					for range 21 {
						if _, err := w.Write(chunk); err != nil {
							return
						}
					}
				default:
					http.NotFound(w, r)
				}
			}, Config{})
			_, err := p.Generate(context.Background(), ImageRequest{Prompt: "x", Count: 1})
			if err == nil || !strings.Contains(err.Error(), want) || errors.Is(err, ErrBadRequest) {
				t.Fatalf("err = %v, want one mentioning %q", err, want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Fatalf("error leaks the signed query: %v", err)
			}
		})
	}
}

func TestOpenAIImagesBadRequest(t *testing.T) {
	t.Parallel()
	const refusal = "Your request was rejected as a result of our safety system."
	var calls atomic.Int32
	p, _ := newTestImages(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"message":%q,"type":"invalid_request_error","param":null,"code":"content_policy_violation"}}`, refusal)
	}, Config{})

	_, err := p.Generate(context.Background(), ImageRequest{Prompt: "something forbidden", Count: 1})
	if !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), refusal) {
		t.Fatalf("err = %v, want ErrBadRequest with the API's message", err)
	}
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.Code != "content_policy_violation" || apiErr.StatusCode != 400 {
		t.Fatalf("the *openai.Error is not reachable: %v", err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("a 400 was retried: %d calls", n)
	}
}

func TestOpenAIImagesBadRequestOtherShape(t *testing.T) {
	t.Parallel()
	p, _ := newTestImages(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"detail":"size 1024x576 is not supported"}`)
	}, Config{})
	_, err := p.Generate(context.Background(), ImageRequest{Prompt: "x", Count: 1, Model: "ultra", Ratio: "16:9"})
	if !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "1024x576 is not supported") {
		t.Fatalf("err = %v", err)
	}
}

func TestOpenAIImagesServerErrors(t *testing.T) {
	t.Parallel()
	t.Run("500", func(t *testing.T) {
		t.Parallel()
		p, _ := newTestImages(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("x-should-retry", "false") // keep the SDK's backoff out of the test
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"error":{"message":"The server had an error processing your request.","type":"server_error"}}`)
		}, Config{})
		_, err := p.Generate(context.Background(), ImageRequest{Prompt: "x", Count: 1})
		var apiErr *openai.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || errors.Is(err, ErrBadRequest) {
			t.Fatalf("err = %v, want the SDK's 500", err)
		}
	})
	t.Run("502 html", func(t *testing.T) {
		t.Parallel()
		p, _ := newTestImages(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("x-should-retry", "false")
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, `<html><body>Bad Gateway</body></html>`)
		}, Config{})
		_, err := p.Generate(context.Background(), ImageRequest{Prompt: "x", Count: 1})
		if err == nil || errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "502") {
			t.Fatalf("err = %v, want a 502", err)
		}
	})
}

func TestOpenAIImagesMalformedResponses(t *testing.T) {
	t.Parallel()
	cases := map[string][]map[string]string{
		"bad base64":  {{"b64_json": "not//base64!!"}},
		"not image":   {{"b64_json": b64([]byte("hello, world"))}},
		"no payload":  {{"revised_prompt": "x"}},
		"no images":   {},
		"second bad":  {{"b64_json": tinyWebP}, {"b64_json": "%%%"}},
		"bad url":     {{"url": "ftp://example.com/a.png"}},
		"url refused": {{"url": "http://127.0.0.1:1/a.png"}},
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, _ := newTestImages(t, func(w http.ResponseWriter, r *http.Request) {
				imagesJSON(w, data...)
			}, Config{})
			got, err := p.Generate(context.Background(), ImageRequest{Prompt: "x", Count: 2})
			if err == nil || errors.Is(err, ErrBadRequest) {
				t.Fatalf("got %d images, err %v", len(got), err)
			}
		})
	}
}

func TestOpenAIImagesCancel(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	p, _ := newTestImages(t, func(w http.ResponseWriter, r *http.Request) {
		// The server notices a closed connection only once the body is read.
		io.Copy(io.Discard, r.Body)
		select {
		case arrived <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	}, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	start := time.Now()
	_, err := p.Generate(ctx, ImageRequest{Prompt: "x", Count: 1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("cancellation took %v", d)
	}

	// Already cancelled: no request at all.
	_, err = p.Generate(ctx, ImageRequest{Prompt: "x", Count: 1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestOpenAIImagesRejectsBeforeCalling(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	p, _ := newTestImages(t, func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }, Config{})
	for _, req := range []ImageRequest{
		{Prompt: "x", Count: 0}, {Prompt: "x", Count: 5},
		{Prompt: "x", Count: 1, Model: "mega"}, {Prompt: "x", Count: 1, Ratio: "wide"},
	} {
		if _, err := p.Generate(context.Background(), req); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%+v: err = %v, want ErrBadRequest", req, err)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("%d requests reached the server", n)
	}
}

func TestNewOpenAIImagesConfig(t *testing.T) {
	t.Parallel()
	bad := map[string]Config{
		"base url":     {BaseURL: "localhost:8080", Model: "m"},
		"no model":     {},
		"partial map":  {Models: map[string]string{"lite": "a", "nova": "b"}},
		"unknown tier": {Model: "m", Models: map[string]string{"mega": "x"}},
	}
	for name, cfg := range bad {
		if _, err := NewOpenAIImages(cfg); err == nil {
			t.Errorf("%s: accepted %+v", name, cfg)
		}
	}
	p, err := NewOpenAIImages(Config{Models: map[string]string{"lite": "a", "nova": "b", "ultra": "c"}})
	if err != nil {
		t.Fatal(err)
	}
	for tier, want := range map[string]string{"lite": "a", "": "b", "NOVA": "b", "ultra": "c"} {
		if got := p.modelFor(tier); got != want {
			t.Errorf("modelFor(%q) = %q, want %q", tier, got, want)
		}
	}
}
