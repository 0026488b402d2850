package media

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/avenc"
)

const seedanceTasks = "/api/v3/contents/generations/tasks"

// newTestSeedance starts a fake ModelArk whose job runs through statuses
// and then succeeds with a real MP4, and a provider talking to it.
func newTestSeedance(t *testing.T, cfg SeedanceConfig, statuses ...string) (*Seedance, *fakeAPI) {
	t.Helper()
	f := newFakeAPI(t, seedanceTasks, seedanceTasks+"/cgt-42")
	f.submit = pollAnswer{body: `{"id":"cgt-42"}`}
	for _, s := range statuses {
		f.polls = append(f.polls, pollAnswer{body: fmt.Sprintf(`{"id":"cgt-42","status":%q}`, s)})
	}
	f.polls = append(f.polls, pollAnswer{body: fmt.Sprintf(`{"id":"cgt-42","model":"m","status":"succeeded","content":{"video_url":%q},"seed":1,"duration":5}`,
		f.fileURL("video.mp4"))})
	f.serve("video.mp4", testMP4(64, 32, 50))
	cfg.BaseURL, cfg.APIKey, cfg.HTTPClient = f.srv.URL, testKey, f.srv.Client()
	cfg.Model = "seedance-1-0-pro-250528"
	cfg.PollInterval = time.Millisecond
	if cfg.TempDir == "" {
		cfg.TempDir = t.TempDir()
	}
	p, err := NewSeedance(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p, f
}

func TestSeedanceTextToVideoAfterSeveralPolls(t *testing.T) {
	t.Parallel()
	p, f := newTestSeedance(t, SeedanceConfig{}, "queued", "queued", "running", "running")
	got, err := p.Generate(shortCtx(t, 10*time.Second), VideoRequest{Prompt: "a red fox in the snow", Ratio: "16:9", Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(got.Path)
	if got.ContentType != "video/mp4" || got.Width != 64 || got.Height != 32 || got.Duration != 5*time.Second {
		t.Fatalf("got %+v", got)
	}
	if data, _ := os.ReadFile(got.Path); !bytes.Equal(data, testMP4(64, 32, 50)) {
		t.Fatal("the downloaded file differs from the served one")
	}
	polls, deletes, body := f.stats()
	if polls != 5 || deletes != 0 {
		t.Fatalf("%d polls, %d deletes", polls, deletes)
	}
	content := body["content"].([]any)
	text := content[0].(map[string]any)
	if body["model"] != "seedance-1-0-pro-250528" || len(content) != 1 || text["type"] != "text" ||
		text["text"] != "a red fox in the snow --ratio 16:9 --duration 5 --seed 9" {
		t.Fatalf("body %v", body)
	}
	if p.Name() != "seedance" {
		t.Fatal(p.Name())
	}
}

func TestSeedanceImageToVideo(t *testing.T) {
	t.Parallel()
	p, f := newTestSeedance(t, SeedanceConfig{TopLevelParams: true, Resolution: "720p"}, "running")
	src := halves(120, 200)
	got, err := p.Generate(shortCtx(t, 10*time.Second), VideoRequest{Prompt: "she turns", Duration: 10, Source: src})
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(got.Path)
	if got.Thumbnail != src {
		t.Fatal("without ffmpeg the thumbnail is the source image")
	}
	_, _, body := f.stats()
	if body["ratio"] != "adaptive" || body["duration"] != 10.0 || body["resolution"] != "720p" {
		t.Fatalf("top-level params %v", body)
	}
	content := body["content"].([]any)
	text, img := content[0].(map[string]any), content[1].(map[string]any)
	if text["text"] != "she turns" || img["type"] != "image_url" || img["role"] != "first_frame" {
		t.Fatalf("content %v", content)
	}
	b64, ok := strings.CutPrefix(img["image_url"].(map[string]any)["url"].(string), "data:image/png;base64,")
	raw, err := base64.StdEncoding.DecodeString(b64)
	if !ok || err != nil {
		t.Fatalf("image url: %v", err)
	}
	if dec, err := png.Decode(bytes.NewReader(raw)); err != nil || dec.Bounds() != src.Bounds() {
		t.Fatalf("sent image %v: %v", dec, err)
	}
}

func TestSeedanceThumbnailWithFFmpeg(t *testing.T) {
	t.Parallel()
	ff, err := avenc.FindFFmpeg(context.Background(), "")
	if err != nil {
		t.Skip(err)
	}
	p, _ := newTestSeedance(t, SeedanceConfig{FFmpeg: ff})
	got, err := p.Generate(shortCtx(t, 20*time.Second), VideoRequest{Prompt: "x"})
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(got.Path)
	if got.Thumbnail == nil || got.Thumbnail.Bounds().Dx() != 64 || got.Thumbnail.Bounds().Dy() != 32 {
		t.Fatalf("thumbnail %v", got.Thumbnail)
	}
}

func TestSeedanceFailures(t *testing.T) {
	t.Parallel()
	mp4 := testMP4(64, 32, 50)
	cases := []struct {
		name      string
		setup     func(f *fakeAPI)
		retryable bool
		badReq    bool
	}{
		{"submit 500", func(f *fakeAPI) {
			f.submit = pollAnswer{500, `{"error":{"code":"InternalServiceError","message":"oops"}}`}
		}, true, false},
		{"submit 429", func(f *fakeAPI) { f.submit = pollAnswer{429, `{"error":{"code":"RateLimitExceeded"}}`} }, true, false},
		{"submit 400", func(f *fakeAPI) {
			f.submit = pollAnswer{400, `{"error":{"code":"InvalidParameter","message":"ratio is invalid"}}`}
		}, false, true},
		{"submit 401", func(f *fakeAPI) { f.submit = pollAnswer{401, `{"error":{"code":"AuthenticationError"}}`} }, false, false},
		{"submit bad JSON", func(f *fakeAPI) { f.submit = pollAnswer{body: `<html>gateway</html>`} }, false, false},
		{"submit without id", func(f *fakeAPI) { f.submit = pollAnswer{body: `{}`} }, false, false},
		{"job failed", func(f *fakeAPI) {
			f.polls = []pollAnswer{{body: `{"status":"failed","error":{"code":"OutputVideoSensitiveContentDetected","message":"refused"}}`}}
		}, false, true},
		{"job failed transiently", func(f *fakeAPI) {
			f.polls = []pollAnswer{{body: `{"status":"failed","error":{"code":"InternalServiceError","message":"try again"}}`}}
		}, true, false},
		{"job cancelled", func(f *fakeAPI) { f.polls = []pollAnswer{{body: `{"status":"cancelled"}`}} }, false, false},
		{"job expired", func(f *fakeAPI) { f.polls = []pollAnswer{{body: `{"status":"expired"}`}} }, true, false},
		{"succeeded without url", func(f *fakeAPI) { f.polls = []pollAnswer{{body: `{"status":"succeeded","content":{}}`}} }, false, false},
		{"poll bad JSON", func(f *fakeAPI) { f.polls = []pollAnswer{{body: `{"status":`}} }, false, false},
		{"poll keeps failing", func(f *fakeAPI) { f.polls = []pollAnswer{{503, `busy`}} }, true, false},
		{"truncated file", func(f *fakeAPI) { f.serve("video.mp4", mp4[:len(mp4)-700]) }, false, false},
		{"short body", func(f *fakeAPI) {
			f.files["video.mp4"] = func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Length", fmt.Sprint(len(mp4)))
				w.Write(mp4[:len(mp4)/2])
			}
		}, false, false},
		{"not a video", func(f *fakeAPI) { f.serve("video.mp4", []byte("<html>expired link</html>")) }, false, false},
		{"file gone", func(f *fakeAPI) { delete(f.files, "video.mp4") }, false, false},
		{"file server busy", func(f *fakeAPI) {
			f.files["video.mp4"] = func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }
		}, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, f := newTestSeedance(t, SeedanceConfig{}, "running")
			c.setup(f)
			_, err := p.Generate(shortCtx(t, 10*time.Second), VideoRequest{Prompt: "x"})
			pe := checkFailure(t, err, c.retryable, p.cfg.TempDir)
			if errors.Is(err, ErrBadRequest) != c.badReq {
				t.Fatalf("errors.Is(%v, ErrBadRequest) = %v", err, !c.badReq)
			}
			if c.name == "submit 400" && (pe.Code != "InvalidParameter" || pe.Message != "ratio is invalid" || pe.Status != 400) {
				t.Fatalf("400 detail %+v", pe)
			}
		})
	}
}

func TestSeedanceToleratesPollBlips(t *testing.T) {
	t.Parallel()
	p, f := newTestSeedance(t, SeedanceConfig{}, "running")
	f.polls = append([]pollAnswer{{502, "bad gateway"}, {500, `{"error":{"message":"x"}}`}, {body: `{"status":"running"}`}, {429, ""}}, f.polls...)
	got, err := p.Generate(shortCtx(t, 10*time.Second), VideoRequest{Prompt: "x"})
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(got.Path)
}

func TestSeedanceDeadlineCancelsTheJob(t *testing.T) {
	t.Parallel()
	p, f := newTestSeedance(t, SeedanceConfig{})
	f.polls = []pollAnswer{{body: `{"status":"running"}`}}
	_, err := p.Generate(shortCtx(t, 100*time.Millisecond), VideoRequest{Prompt: "x"})
	if !errors.Is(err, context.DeadlineExceeded) || !Retryable(err) {
		t.Fatalf("%v, want a retryable deadline", err)
	}
	if polls, deletes, _ := f.stats(); polls == 0 || deletes != 1 {
		t.Fatalf("%d polls, %d cancels", polls, deletes)
	}
	noFiles(t, p.cfg.TempDir)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Generate(ctx, VideoRequest{Prompt: "x"}); !errors.Is(err, context.Canceled) || Retryable(err) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestSeedanceDownloadLimit(t *testing.T) {
	t.Parallel()
	p, _ := newTestSeedance(t, SeedanceConfig{MaxDownload: 1000})
	_, err := p.Generate(shortCtx(t, 10*time.Second), VideoRequest{Prompt: "x"})
	checkFailure(t, err, false, p.cfg.TempDir)
}

func TestNewSeedanceRefusesBadConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []SeedanceConfig{{Model: "m"}, {APIKey: "k"}, {APIKey: "k", Model: "m", BaseURL: "ftp://x"}} {
		if _, err := NewSeedance(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	p, err := NewSeedance(SeedanceConfig{APIKey: "k", Model: "m"})
	if err != nil || p.c.base.String() != DefaultSeedanceBaseURL+"/" {
		t.Fatalf("default base: %v %v", p, err)
	}
	if _, err := p.Generate(context.Background(), VideoRequest{Prompt: "x", Duration: 3}); !errors.Is(err, ErrBadVideoRequest) {
		t.Fatal(err)
	}
}
