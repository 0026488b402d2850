package media

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/kira-art/kira/internal/avenc"
	"github.com/kira-art/kira/internal/imaging"
)

// DefaultSunoBaseURL is sunoapi.org; resellers with the same API (kie.ai
// and others) serve the same paths under their own base.
const DefaultSunoBaseURL = "https://api.sunoapi.org"

// DefaultSunoModel is sent when SunoConfig.Model is empty.
const DefaultSunoModel = "V4_5"

// SunoConfig configures Suno.
type SunoConfig struct {
	BaseURL string // "" is DefaultSunoBaseURL
	APIKey  string // sent as a bearer token; required
	Model   string // e.g. "V4_5", "V5"; "" is DefaultSunoModel
	// Models optionally maps MusicRequest.Model values to model names.
	Models map[string]string
	// CallbackURL is sent as callBackUrl, which sunoapi.org requires. We
	// poll and ignore callbacks, so any URL that accepts a POST will do.
	CallbackURL  string
	PollInterval time.Duration // between status checks; 0 is 5 s
	MaxDownload  int64         // result size limit; 0 is 100 MiB
	HTTPClient   *http.Client  // nil is http.DefaultClient
	TempDir      string        // "" is os.TempDir()
}

// Suno generates songs through a Suno API in sunoapi.org's shape, which
// is asynchronous and wraps every answer as {"code", "msg", "data"}:
//
//	POST {base}/api/v1/generate {prompt, style, title, customMode, instrumental, model, callBackUrl}
//	  → {"code":200, "data":{"taskId"}}
//	GET  {base}/api/v1/generate/record-info?taskId=…
//	  → {"code":200, "data":{"status", "errorMessage",
//	     "response":{"sunoData":[{"audioUrl","imageUrl","title","duration"}]}}}
//
// A job makes two tracks; the first with an audio URL is taken, from
// FIRST_SUCCESS on. Custom mode (lyrics sung as written, with a style and
// a title) is used when there are lyrics, or for an instrumental with a
// style; otherwise the prompt (with the style appended) is a description
// of at most 500 characters. Assumptions from the public documentation:
// the envelope's code repeats HTTP semantics (400/413 bad request, 401
// unauthorized, 429 the account is out of credits, 405/430 rate limited,
// 455 maintenance, 5xx server errors); CREATE_TASK_FAILED,
// GENERATE_AUDIO_FAILED and SENSITIVE_WORD_ERROR end the job;
// CALLBACK_EXCEPTION only means our callback was not reached, so its
// tracks are used if there are any. Safe for concurrent use.
type Suno struct {
	c   *asyncClient
	cfg SunoConfig
}

// NewSuno returns the provider for cfg.
func NewSuno(cfg SunoConfig) (*Suno, error) {
	if cfg.APIKey == "" {
		return nil, errors.New("media: suno: an API key is required")
	}
	c, err := newAsyncClient("suno", cmp.Or(cfg.BaseURL, DefaultSunoBaseURL), cfg.APIKey, cfg.HTTPClient, cfg.PollInterval, cfg.TempDir)
	if err != nil {
		return nil, err
	}
	cfg.MaxDownload = cmp.Or(cfg.MaxDownload, defaultMaxAudio)
	cfg.Model = cmp.Or(cfg.Model, DefaultSunoModel)
	return &Suno{c: c, cfg: cfg}, nil
}

// Name identifies the provider.
func (*Suno) Name() string { return "suno" }

// Generate submits the job, waits for its first track and downloads it
// with its cover.
func (s *Suno) Generate(ctx context.Context, req MusicRequest) (*GeneratedSong, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	raw, err := s.c.call(ctx, "submit", http.MethodPost, "api/v1/generate", s.generateBody(req), ErrBadMusicRequest)
	if err != nil {
		return nil, err
	}
	var created struct {
		TaskID string `json:"taskId"`
	}
	if err := s.envelope("submit", raw, &created); err != nil {
		return nil, err
	}
	if created.TaskID == "" {
		return nil, s.c.fail("submit", 0, false, nil, "no taskId in the response")
	}
	var track sunoTrack
	err = s.c.poll(ctx, func(ctx context.Context) (bool, error) {
		raw, err := s.c.call(ctx, "poll", http.MethodGet, "api/v1/generate/record-info?taskId="+url.QueryEscape(created.TaskID), nil, ErrBadMusicRequest)
		if err != nil {
			return false, err
		}
		var done bool
		track, done, err = decodeSunoRecord(raw)
		return done, err
	})
	if err != nil {
		return nil, err
	}
	return s.fetch(ctx, req, track)
}

func (s *Suno) generateBody(req MusicRequest) map[string]any {
	body := map[string]any{"model": cmp.Or(s.cfg.Models[req.Model], s.cfg.Model), "instrumental": req.Instrumental}
	if s.cfg.CallbackURL != "" {
		body["callBackUrl"] = s.cfg.CallbackURL
	}
	lyrics := strings.TrimSpace(req.Lyrics) != "" && !req.Instrumental
	if lyrics || (req.Instrumental && strings.TrimSpace(req.Style) != "") {
		body["customMode"] = true
		body["style"] = truncateRunes(cmp.Or(strings.TrimSpace(req.Style), req.Prompt), 1000)
		body["title"] = truncateRunes(songTitle(req), 80)
		if lyrics {
			body["prompt"] = req.Lyrics
		}
		return body
	}
	prompt := strings.TrimSpace(req.Prompt)
	if st := strings.TrimSpace(req.Style); st != "" {
		prompt = strings.TrimSpace(prompt + ". Style: " + st)
	}
	body["customMode"] = false
	body["prompt"] = truncateRunes(prompt, 500)
	return body
}

func truncateRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// sunoEnvelope is every answer's wrapper.
type sunoEnvelope struct {
	Code int             `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
}

// envelope checks the wrapper's code and decodes its data into v.
func (s *Suno) envelope(op string, raw []byte, v any) error {
	var env sunoEnvelope
	if err := s.c.decode(op, raw, &env); err != nil {
		return err
	}
	if err := sunoCodeErr(op, env); err != nil {
		return err
	}
	return s.c.decode(op, env.Data, v)
}

// sunoCodeErr maps a non-200 envelope code to a ProviderError.
func sunoCodeErr(op string, env sunoEnvelope) error {
	if env.Code == http.StatusOK {
		return nil
	}
	pe := &ProviderError{Provider: "suno", Op: op, Code: fmt.Sprint(env.Code), Message: env.Msg}
	switch env.Code {
	case 405, 430, 455:
		pe.Retryable = true
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		pe.Err = ErrBadMusicRequest
	case http.StatusTooManyRequests: // here: the provider account is out of credits
	default:
		pe.Retryable = env.Code >= 500
	}
	return pe
}

// sunoTrack is one generated track.
type sunoTrack struct {
	AudioURL string  `json:"audioUrl"`
	ImageURL string  `json:"imageUrl"`
	Title    string  `json:"title"`
	Duration float64 `json:"duration"`
}

// decodeSunoRecord parses a record-info answer and says whether a track is
// ready or the job failed.
func decodeSunoRecord(raw []byte) (sunoTrack, bool, error) {
	var env sunoEnvelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return sunoTrack{}, false, &ProviderError{Provider: "suno", Op: "poll", Message: "malformed response: " + err.Error(), Err: err}
	}
	if err := sunoCodeErr("poll", env); err != nil {
		return sunoTrack{}, false, err
	}
	var rec struct {
		Status       string `json:"status"`
		ErrorMessage string `json:"errorMessage"`
		Response     struct {
			SunoData []sunoTrack `json:"sunoData"`
		} `json:"response"`
	}
	data := bytes.TrimSpace(env.Data)
	if len(data) == 0 {
		data = []byte("null")
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return sunoTrack{}, false, &ProviderError{Provider: "suno", Op: "poll", Message: "malformed response: " + err.Error(), Err: err}
	}
	var ready *sunoTrack
	for i, t := range rec.Response.SunoData {
		if t.AudioURL != "" {
			ready = &rec.Response.SunoData[i]
			break
		}
	}
	switch rec.Status {
	case "FIRST_SUCCESS", "SUCCESS", "CALLBACK_EXCEPTION":
		if ready != nil {
			return *ready, true, nil
		}
		if rec.Status == "FIRST_SUCCESS" {
			return sunoTrack{}, false, nil
		}
		return sunoTrack{}, false, &ProviderError{Provider: "suno", Op: "job", Code: rec.Status,
			Message: cmp.Or(rec.ErrorMessage, "no track with an audio URL")}
	case "CREATE_TASK_FAILED", "GENERATE_AUDIO_FAILED", "SENSITIVE_WORD_ERROR":
		pe := &ProviderError{Provider: "suno", Op: "job", Code: rec.Status, Message: rec.ErrorMessage}
		if rec.Status == "SENSITIVE_WORD_ERROR" {
			pe.Err = ErrBadMusicRequest
		}
		return sunoTrack{}, false, pe
	}
	return sunoTrack{}, false, nil // PENDING, TEXT_SUCCESS, or a state we do not know yet
}

// fetch downloads and checks the track, and its cover when it has one (a
// cover that fails is replaced by a generated one: the song is what was
// paid for).
func (s *Suno) fetch(ctx context.Context, req MusicRequest, t sunoTrack) (*GeneratedSong, error) {
	var ct string
	var dur time.Duration
	path, err := s.c.download(ctx, t.AudioURL, "kira-song-*", s.cfg.MaxDownload, func(p string) error {
		var err error
		var info avenc.WAVInfo
		ct, info, err = verifyAudio(p)
		dur = info.Duration
		return err
	})
	if err != nil {
		return nil, err
	}
	if f, ok := imaging.ByContentType(ct); ok { // the name tells the type, as for other stored files
		if err := os.Rename(path, path+f.Ext); err == nil {
			path += f.Ext
		}
	}
	if dur <= 0 {
		dur = time.Duration(t.Duration * float64(time.Second))
	}
	cover := s.cover(ctx, req, t.ImageURL)
	if err := ctx.Err(); err != nil {
		os.Remove(path)
		return nil, err
	}
	return &GeneratedSong{Path: path, ContentType: ct, Duration: dur,
		Title: cmp.Or(strings.TrimSpace(t.Title), songTitle(req)), Cover: cover}, nil
}

func (s *Suno) cover(ctx context.Context, req MusicRequest, raw string) image.Image {
	if raw != "" {
		if data, err := s.c.fetchSmall(ctx, raw, maxCoverDownload); err == nil {
			if img, _, err := imaging.Decode(data, 16<<20); err == nil {
				return img
			}
		}
	}
	return songCover(req, musicSeed(req))
}
