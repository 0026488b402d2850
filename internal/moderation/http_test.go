package moderation

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeProvider speaks the OpenAI moderation API: it records each request
// and answers with what respond returns (status, body).
type fakeProvider struct {
	t       *testing.T
	srv     *httptest.Server
	respond func(req request) (int, string)

	mu       sync.Mutex
	requests []recorded
}

type recorded struct {
	path, auth, contentType string
	body                    request
}

func newFakeProvider(t *testing.T, respond func(req request) (int, string)) *fakeProvider {
	t.Helper()
	f := &fakeProvider{t: t, respond: respond}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeProvider) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var req request
	if r.Method != http.MethodPost || json.Unmarshal(raw, &req) != nil {
		http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, recorded{r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), req})
	f.mu.Unlock()
	status, body := f.respond(req)
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "7")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func (f *fakeProvider) last() recorded {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		f.t.Fatal("no request reached the provider")
	}
	return f.requests[len(f.requests)-1]
}

func (f *fakeProvider) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// answer is a well-formed one-result response.
func answer(flagged map[string]bool, scores map[string]float64) string {
	hit := false
	for _, v := range flagged {
		hit = hit || v
	}
	b, _ := json.Marshal(map[string]any{
		"id": "modr-1", "model": DefaultModel,
		"results": []any{map[string]any{"flagged": hit, "categories": flagged, "category_scores": scores}},
	})
	return string(b)
}

func fixed(status int, body string) func(request) (int, string) {
	return func(request) (int, string) { return status, body }
}

func newTestHTTP(t *testing.T, f *fakeProvider, cfg HTTPConfig) *HTTP {
	t.Helper()
	cfg.BaseURL = f.srv.URL + "/v1/"
	c, err := NewHTTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestHTTPVerdicts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		flagged    map[string]bool
		scores     map[string]float64
		csam, nsfw bool
	}{
		{"clean", map[string]bool{"sexual": false, CSAMCategory: false}, map[string]float64{"sexual": 0.01, CSAMCategory: 0.001}, false, false},
		{"nsfw", map[string]bool{"sexual": true, CSAMCategory: false}, map[string]float64{"sexual": 0.97, CSAMCategory: 0.02}, false, true},
		{"violence is nsfw too", map[string]bool{"violence/graphic": true}, map[string]float64{"violence/graphic": 0.9}, false, true},
		{"csam by score", map[string]bool{"sexual": false, CSAMCategory: false}, map[string]float64{CSAMCategory: 0.71}, true, false},
		{"csam by flag", map[string]bool{CSAMCategory: true}, map[string]float64{CSAMCategory: 0.2}, true, false},
		{"csam and nsfw", map[string]bool{"sexual": true, CSAMCategory: true}, map[string]float64{"sexual": 0.99, CSAMCategory: 0.9}, true, true},
		{"threshold exact is csam", nil, map[string]float64{CSAMCategory: 0.5}, true, false},
		{"just below threshold", nil, map[string]float64{CSAMCategory: 0.4999}, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeProvider(t, fixed(http.StatusOK, answer(tc.flagged, tc.scores)))
			c := newTestHTTP(t, f, HTTPConfig{APIKey: "sk-test"})
			v, err := c.CheckText(context.Background(), "some prompt")
			if err != nil || v.CSAM != tc.csam || v.NSFW != tc.nsfw {
				t.Fatalf("%+v %v, want csam=%v nsfw=%v", v, err, tc.csam, tc.nsfw)
			}
			if (v.CSAM || v.NSFW) && len(v.Reasons) == 0 {
				t.Fatal("a hit without a reason")
			}
		})
	}
}

func TestHTTPFlaggedWithoutCategoryIsNSFW(t *testing.T) {
	t.Parallel()
	f := newFakeProvider(t, fixed(http.StatusOK, `{"results":[{"flagged":true}]}`))
	v, err := newTestHTTP(t, f, HTTPConfig{}).CheckText(context.Background(), "x")
	if err != nil || !v.NSFW || v.CSAM {
		t.Fatalf("%+v %v", v, err)
	}
}

func TestHTTPThresholdConfigured(t *testing.T) {
	t.Parallel()
	f := newFakeProvider(t, fixed(http.StatusOK, answer(nil, map[string]float64{CSAMCategory: 0.15})))
	ctx := context.Background()
	if v, err := newTestHTTP(t, f, HTTPConfig{CSAMThreshold: 0.1}).CheckText(ctx, "x"); err != nil || !v.CSAM {
		t.Fatalf("0.15 ≥ 0.1: %+v %v", v, err)
	}
	if v, err := newTestHTTP(t, f, HTTPConfig{CSAMThreshold: 0.2}).CheckText(ctx, "x"); err != nil || v.CSAM {
		t.Fatalf("0.15 < 0.2: %+v %v", v, err)
	}
	for _, bad := range []float64{-0.1, 1.5} {
		if _, err := NewHTTP(HTTPConfig{BaseURL: f.srv.URL, CSAMThreshold: bad}); err == nil {
			t.Errorf("threshold %v accepted", bad)
		}
	}
	for _, bad := range []string{"", "api.openai.com/v1", "ftp://x"} {
		if _, err := NewHTTP(HTTPConfig{BaseURL: bad}); err == nil {
			t.Errorf("base URL %q accepted", bad)
		}
	}
}

func TestHTTPRequestShape(t *testing.T) {
	t.Parallel()
	f := newFakeProvider(t, fixed(http.StatusOK, answer(nil, nil)))
	ctx := context.Background()
	c := newTestHTTP(t, f, HTTPConfig{APIKey: "sk-test"})
	if _, err := c.CheckText(ctx, "a fox"); err != nil {
		t.Fatal(err)
	}
	r := f.last()
	if r.path != "/v1/moderations" || r.auth != "Bearer sk-test" || r.contentType != "application/json" {
		t.Fatalf("request %+v", r)
	}
	if r.body.Model != DefaultModel || len(r.body.Input) != 1 || r.body.Input[0] != (inputPart{Type: "text", Text: "a fox"}) {
		t.Fatalf("body %+v", r.body)
	}

	c = newTestHTTP(t, f, HTTPConfig{Model: "my-moderator"})
	if _, err := c.Check(ctx, "prompt", scene(1, 2048, 1024), scene(2, 40, 30)); err != nil {
		t.Fatal(err)
	}
	r = f.last()
	if r.auth != "" {
		t.Fatalf("no key configured, yet Authorization %q", r.auth)
	}
	if r.body.Model != "my-moderator" || len(r.body.Input) != 3 || r.body.Input[0].Text != "prompt" {
		t.Fatalf("body %+v", r.body)
	}
	for i, want := range []image.Point{{1024, 512}, {40, 30}} {
		p := r.body.Input[i+1]
		if p.Type != "image_url" || p.ImageURL == nil {
			t.Fatalf("part %d: %+v", i+1, p)
		}
		if got := decodeDataURL(t, p.ImageURL.URL).Bounds().Size(); got != want {
			t.Errorf("image %d sent as %v, want %v", i, got, want)
		}
	}
}

func TestHTTPTallImageScaled(t *testing.T) {
	t.Parallel()
	f := newFakeProvider(t, fixed(http.StatusOK, answer(nil, nil)))
	if _, err := newTestHTTP(t, f, HTTPConfig{MaxImageSide: 100}).CheckImage(context.Background(), scene(3, 50, 400)); err != nil {
		t.Fatal(err)
	}
	p := f.last().body.Input[0]
	if got := decodeDataURL(t, p.ImageURL.URL).Bounds().Size(); got != (image.Point{12, 100}) {
		t.Fatalf("sent as %v", got)
	}
}

func decodeDataURL(t *testing.T, u string) image.Image {
	t.Helper()
	const prefix = "data:image/png;base64,"
	if !strings.HasPrefix(u, prefix) {
		t.Fatalf("not a PNG data URL: %.40s", u)
	}
	raw, err := base64.StdEncoding.DecodeString(u[len(prefix):])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestHTTPNothingToSend(t *testing.T) {
	t.Parallel()
	f := newFakeProvider(t, fixed(http.StatusOK, answer(nil, nil)))
	c := newTestHTTP(t, f, HTTPConfig{})
	if v, err := c.CheckText(context.Background(), "  \n"); err != nil || v.CSAM || v.NSFW {
		t.Fatalf("%+v %v", v, err)
	}
	if _, err := c.CheckImage(context.Background(), image.NewRGBA(image.Rect(0, 0, 0, 0))); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("empty image: %v", err)
	}
	if n := f.count(); n != 0 {
		t.Fatalf("%d requests for nothing", n)
	}
}

func TestHTTPFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		body   string
		code   int // StatusError.Code, 0 when not a status error
	}{
		{"500", http.StatusInternalServerError, `{"error":{"message":"boom"}}`, 500},
		{"429", http.StatusTooManyRequests, `{"error":{"message":"slow down"}}`, 429},
		{"401", http.StatusUnauthorized, `{"error":{"message":"bad key"}}`, 401},
		{"garbage", http.StatusOK, `<html>hello</html>`, 0},
		{"truncated", http.StatusOK, `{"results":[{"flagged":fa`, 0},
		{"missing results", http.StatusOK, `{"id":"x"}`, 0},
		{"empty results", http.StatusOK, `{"results":[]}`, 0},
		{"two results", http.StatusOK, `{"results":[{"flagged":false},{"flagged":false}]}`, 0},
		{"no flagged field", http.StatusOK, `{"results":[{"categories":{}}]}`, 0},
		{"wrong types", http.StatusOK, `{"results":[{"flagged":false,"category_scores":{"sexual/minors":"high"}}]}`, 0},
		{"null", http.StatusOK, `null`, 0},
		{"empty body", http.StatusOK, ``, 0},
		{"oversized", http.StatusOK, `{"results":[{"flagged":false,"pad":"` + strings.Repeat("x", maxResponseBytes) + `"}]}`, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeProvider(t, fixed(tc.status, tc.body))
			v, err := newTestHTTP(t, f, HTTPConfig{APIKey: "sk-secret"}).CheckImage(context.Background(), scene(1, 64, 64))
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("%+v %v, want ErrUnavailable", v, err)
			}
			if v.CSAM || v.NSFW || v.Reasons != nil {
				t.Fatalf("a failed check returned a verdict %+v", v)
			}
			if strings.Contains(err.Error(), "sk-secret") {
				t.Fatalf("the key leaked into %v", err)
			}
			var se *StatusError
			if errors.As(err, &se) != (tc.code != 0) || (se != nil && se.Code != tc.code) {
				t.Fatalf("status error %+v, want code %d", se, tc.code)
			}
			if tc.code == 429 && se.RetryAfter != 7*time.Second {
				t.Fatalf("Retry-After %v", se.RetryAfter)
			}
		})
	}
}

func TestHTTPTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	f := newFakeProvider(t, func(request) (int, string) {
		<-release
		return http.StatusOK, answer(nil, nil)
	})
	// Unblock the handler before the server's Close waits for it.
	t.Cleanup(func() { close(release) })
	c := newTestHTTP(t, f, HTTPConfig{Timeout: 50 * time.Millisecond})
	start := time.Now()
	_, err := c.CheckText(context.Background(), "x")
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%v, want ErrUnavailable and DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("timeout took %v", d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.CheckText(ctx, "x"); !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestHTTPProviderGone(t *testing.T) {
	t.Parallel()
	f := newFakeProvider(t, fixed(http.StatusOK, answer(nil, nil)))
	c := newTestHTTP(t, f, HTTPConfig{})
	f.srv.Close()
	if _, err := c.CheckText(context.Background(), "x"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("%v", err)
	}
}
