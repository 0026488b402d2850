package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/avenc"
)

const sunoRecord = "/api/v1/generate/record-info?taskId=5c79be8e"

func sunoOK(data string) string { return `{"code":200,"msg":"success","data":` + data + `}` }

// sunoTracks is a record-info answer in status with tracks.
func sunoTracks(status string, tracks ...string) pollAnswer {
	return pollAnswer{body: sunoOK(fmt.Sprintf(`{"taskId":"5c79be8e","status":%q,"type":"GENERATE","errorCode":null,"errorMessage":null,"response":{"taskId":"5c79be8e","sunoData":[%s]}}`,
		status, strings.Join(tracks, ",")))}
}

func sunoTrackJSON(audio, img, title string) string {
	return fmt.Sprintf(`{"id":"8551","audioUrl":%q,"streamAudioUrl":"https://stream.example/x","imageUrl":%q,"title":%q,"tags":"rock","duration":198.44}`, audio, img, title)
}

// newTestSuno starts a fake sunoapi.org whose job runs through statuses and
// then succeeds with an MP3 and a PNG cover.
func newTestSuno(t *testing.T, cfg SunoConfig, statuses ...string) (*Suno, *fakeAPI) {
	t.Helper()
	f := newFakeAPI(t, "/api/v1/generate", sunoRecord)
	f.submit = pollAnswer{body: sunoOK(`{"taskId":"5c79be8e"}`)}
	for _, s := range statuses {
		f.polls = append(f.polls, sunoTracks(s))
	}
	f.polls = append(f.polls, sunoTracks("FIRST_SUCCESS", sunoTrackJSON(f.fileURL("song.mp3"), f.fileURL("cover.png"), "Iron Man"),
		sunoTrackJSON("", "", "second, not ready")))
	f.serve("song.mp3", testMP3(200))
	var cover bytes.Buffer
	png.Encode(&cover, halves(300, 300))
	f.serve("cover.png", cover.Bytes())
	cfg.BaseURL, cfg.APIKey, cfg.HTTPClient, cfg.PollInterval = f.srv.URL, testKey, f.srv.Client(), time.Millisecond
	if cfg.TempDir == "" {
		cfg.TempDir = t.TempDir()
	}
	p, err := NewSuno(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p, f
}

func TestSunoSongAfterSeveralPolls(t *testing.T) {
	t.Parallel()
	p, f := newTestSuno(t, SunoConfig{CallbackURL: "https://kira.example/hooks/suno"}, "PENDING", "PENDING", "TEXT_SUCCESS")
	got, err := p.Generate(shortCtx(t, 10*time.Second), MusicRequest{Prompt: "a calm piano track", Style: "classical"})
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(got.Path)
	const want = 5224 * time.Millisecond // 200 frames of 1152 samples at 44.1 kHz
	if got.ContentType != "audio/mpeg" || !strings.HasSuffix(got.Path, ".mp3") || got.Title != "Iron Man" ||
		got.Duration.Truncate(time.Millisecond) != want {
		t.Fatalf("got %+v", got)
	}
	if got.Cover.Bounds().Dx() != 300 {
		t.Fatalf("cover %v, want the provider's", got.Cover.Bounds())
	}
	polls, _, body := f.stats()
	if polls != 4 {
		t.Fatalf("%d polls", polls)
	}
	wantBody := map[string]any{"customMode": false, "instrumental": false, "model": DefaultSunoModel,
		"prompt": "a calm piano track. Style: classical", "callBackUrl": "https://kira.example/hooks/suno"}
	if len(body) != len(wantBody) {
		t.Fatalf("body %v", body)
	}
	for k, v := range wantBody {
		if body[k] != v {
			t.Fatalf("%s = %v, want %v (%v)", k, body[k], v, body)
		}
	}
	if p.Name() != "suno" {
		t.Fatal(p.Name())
	}
}

func TestSunoCustomModes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		req  MusicRequest
		want map[string]any
	}{
		{MusicRequest{Prompt: "about rain", Lyrics: "[Verse] rain again", Model: "pro"},
			map[string]any{"customMode": true, "prompt": "[Verse] rain again", "style": "about rain", "title": "Rain", "model": "V5"}},
		{MusicRequest{Prompt: "x", Style: "lo-fi", Title: "Night Bus", Instrumental: true, Lyrics: "ignored"},
			map[string]any{"customMode": true, "style": "lo-fi", "title": "Night Bus", "instrumental": true, "prompt": nil}},
	} {
		p, f := newTestSuno(t, SunoConfig{Models: map[string]string{"pro": "V5"}})
		got, err := p.Generate(shortCtx(t, 10*time.Second), c.req)
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(got.Path)
		_, _, body := f.stats()
		for k, v := range c.want {
			if body[k] != v {
				t.Errorf("%+v: %s = %v, want %v", c.req, k, body[k], v)
			}
		}
	}
}

func TestSunoWAVAndFallbackCover(t *testing.T) {
	t.Parallel()
	p, f := newTestSuno(t, SunoConfig{})
	f.serve("song.mp3", avenc.EncodeWAV(8000, make([]int16, 16000))) // a WAV behind an .mp3 name: the bytes decide
	f.serve("cover.png", []byte("not an image"))
	got, err := p.Generate(shortCtx(t, 10*time.Second), MusicRequest{Prompt: "x"})
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(got.Path)
	if got.ContentType != "audio/wav" || !strings.HasSuffix(got.Path, ".wav") || got.Duration != 2*time.Second {
		t.Fatalf("got %+v", got)
	}
	if got.Cover == nil || got.Cover.Bounds() != image.Rect(0, 0, 512, 512) {
		t.Fatalf("fallback cover %v", got.Cover)
	}
}

func TestSunoFailures(t *testing.T) {
	t.Parallel()
	mp3 := testMP3(200)
	failed := func(status, msg string) func(f *fakeAPI) {
		return func(f *fakeAPI) {
			f.polls = []pollAnswer{{body: sunoOK(fmt.Sprintf(`{"status":%q,"errorCode":413,"errorMessage":%q}`, status, msg))}}
		}
	}
	cases := []struct {
		name      string
		setup     func(f *fakeAPI)
		retryable bool
		badReq    bool
	}{
		{"HTTP 500", func(f *fakeAPI) { f.submit = pollAnswer{500, "internal"} }, true, false},
		{"HTTP 429", func(f *fakeAPI) { f.submit = pollAnswer{429, `{"code":429,"msg":"slow down"}`} }, true, false},
		{"out of credits", func(f *fakeAPI) { f.submit = pollAnswer{body: `{"code":429,"msg":"insufficient credits"}`} }, false, false},
		{"rate limited", func(f *fakeAPI) { f.submit = pollAnswer{body: `{"code":430,"msg":"too frequent"}`} }, true, false},
		{"maintenance", func(f *fakeAPI) { f.submit = pollAnswer{body: `{"code":455,"msg":"maintenance"}`} }, true, false},
		{"bad params", func(f *fakeAPI) { f.submit = pollAnswer{body: `{"code":400,"msg":"style is required"}`} }, false, true},
		{"bad JSON", func(f *fakeAPI) { f.submit = pollAnswer{body: `{"code":200,"data":`} }, false, false},
		{"no task id", func(f *fakeAPI) { f.submit = pollAnswer{body: sunoOK(`{}`)} }, false, false},
		{"audio failed", failed("GENERATE_AUDIO_FAILED", "failed"), false, false},
		{"create failed", failed("CREATE_TASK_FAILED", ""), false, false},
		{"sensitive words", failed("SENSITIVE_WORD_ERROR", "refused"), false, true},
		{"success without audio", func(f *fakeAPI) { f.polls = []pollAnswer{sunoTracks("SUCCESS", sunoTrackJSON("", "", "t"))} }, false, false},
		{"poll envelope 500", func(f *fakeAPI) { f.polls = []pollAnswer{{body: `{"code":500,"msg":"down"}`}} }, true, false},
		{"poll bad JSON", func(f *fakeAPI) { f.polls = []pollAnswer{{body: `[1,2`}} }, false, false},
		{"truncated mp3", func(f *fakeAPI) { f.serve("song.mp3", mp3[:len(mp3)-200]) }, false, false},
		{"truncated wav", func(f *fakeAPI) {
			wav := avenc.EncodeWAV(8000, make([]int16, 8000))
			f.serve("song.mp3", wav[:len(wav)/2])
		}, false, false},
		{"html instead of audio", func(f *fakeAPI) { f.serve("song.mp3", []byte("<!doctype html><p>denied")) }, false, false},
		{"video instead of audio", func(f *fakeAPI) { f.serve("song.mp3", testMP4(32, 16, 3)) }, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, f := newTestSuno(t, SunoConfig{}, "PENDING")
			c.setup(f)
			_, err := p.Generate(shortCtx(t, 10*time.Second), MusicRequest{Prompt: "x"})
			checkFailure(t, err, c.retryable, p.cfg.TempDir)
			if errors.Is(err, ErrBadRequest) != c.badReq {
				t.Fatalf("errors.Is(%v, ErrBadRequest) = %v", err, !c.badReq)
			}
		})
	}
}

func TestSunoCallbackExceptionStillDelivers(t *testing.T) {
	t.Parallel()
	p, f := newTestSuno(t, SunoConfig{})
	f.polls = []pollAnswer{sunoTracks("CALLBACK_EXCEPTION", sunoTrackJSON(f.fileURL("song.mp3"), "", "t"))}
	got, err := p.Generate(shortCtx(t, 10*time.Second), MusicRequest{Prompt: "x"})
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(got.Path)
}

func TestSunoTimeout(t *testing.T) {
	t.Parallel()
	p, f := newTestSuno(t, SunoConfig{})
	f.polls = []pollAnswer{sunoTracks("TEXT_SUCCESS")}
	_, err := p.Generate(shortCtx(t, 100*time.Millisecond), MusicRequest{Prompt: "x"})
	if !errors.Is(err, context.DeadlineExceeded) || !Retryable(err) {
		t.Fatalf("%v, want a retryable deadline", err)
	}
	noFiles(t, p.cfg.TempDir)
	if _, err := NewSuno(SunoConfig{}); err == nil {
		t.Fatal("a Suno without a key")
	}
	if _, err := p.Generate(context.Background(), MusicRequest{}); !errors.Is(err, ErrBadMusicRequest) {
		t.Fatal(err)
	}
}
