package media

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/image/draw"

	"github.com/kira-art/kira/internal/avenc"
)

// DefaultSeedanceBaseURL is BytePlus ModelArk (international). Volcengine
// Ark in China is https://ark.cn-beijing.volces.com; compatible resellers
// serve the same paths under their own base.
const DefaultSeedanceBaseURL = "https://ark.ap-southeast.bytepluses.com"

// SeedanceConfig configures Seedance.
type SeedanceConfig struct {
	BaseURL string // "" is DefaultSeedanceBaseURL
	APIKey  string // ModelArk API key, sent as a bearer token; required
	// Model is the model (or endpoint) id, e.g. "seedance-1-0-pro-250528";
	// required unless Models covers every request.
	Model string
	// Models optionally maps VideoRequest.Model values to model ids.
	Models map[string]string
	// Resolution is sent when set: "480p", "720p" or "1080p".
	Resolution string
	// TopLevelParams sends ratio, duration, seed and resolution as request
	// fields, as newer models prefer, instead of "--ratio 16:9" commands
	// appended to the prompt, which every Seedance model accepts.
	TopLevelParams bool
	PollInterval   time.Duration // between status checks; 0 is 5 s
	MaxDownload    int64         // result size limit; 0 is 512 MiB
	HTTPClient     *http.Client  // nil is http.DefaultClient
	TempDir        string        // "" is os.TempDir()
	// FFmpeg, when set, extracts each result's first frame as its
	// thumbnail; without it the thumbnail is the source image, or nil.
	FFmpeg *avenc.FFmpeg
}

// Seedance generates videos with ByteDance Seedance through the ModelArk
// content generation task API, which is asynchronous:
//
//	POST {base}/api/v3/contents/generations/tasks
//	  {"model", "content": [{"type":"text","text":"<prompt> --ratio 16:9 --duration 5"},
//	                        {"type":"image_url","image_url":{"url":"data:image/png;base64,…"},"role":"first_frame"}]}
//	  → {"id": "cgt-…"}
//	GET  {base}/api/v3/contents/generations/tasks/{id}
//	  → {"id", "status": "queued|running|succeeded|failed|cancelled|expired",
//	     "content": {"video_url"}, "error": {"code", "message"}}
//
// then the video_url (a pre-signed link valid for about a day) is
// downloaded into a temporary file and checked to be a whole MP4.
// Assumptions, from BytePlus's and resellers' public documentation: ratio
// "adaptive" lets an image-to-video clip follow its source (our "auto"
// with a source; without one, auto is 16:9); seeds are 32-bit; "expired"
// means the provider gave up on time, which is worth a retry, while
// failed and cancelled jobs are not, unless the error code names a
// transient condition (internal error, overload, rate limit, timeout).
// When ctx ends while a job runs, the job is cancelled with a best-effort
// DELETE (ModelArk cancels queued jobs only). Safe for concurrent use.
type Seedance struct {
	c   *asyncClient
	cfg SeedanceConfig
}

// NewSeedance returns the provider for cfg.
func NewSeedance(cfg SeedanceConfig) (*Seedance, error) {
	if cfg.APIKey == "" {
		return nil, errors.New("media: seedance: an API key is required")
	}
	if cfg.Model == "" && len(cfg.Models) == 0 {
		return nil, errors.New("media: seedance: a model is required")
	}
	c, err := newAsyncClient("seedance", cmp.Or(cfg.BaseURL, DefaultSeedanceBaseURL), cfg.APIKey, cfg.HTTPClient, cfg.PollInterval, cfg.TempDir)
	if err != nil {
		return nil, err
	}
	cfg.MaxDownload = cmp.Or(cfg.MaxDownload, defaultMaxVideo)
	return &Seedance{c: c, cfg: cfg}, nil
}

// Name identifies the provider.
func (*Seedance) Name() string { return "seedance" }

// Generate submits the job, waits for it and downloads the clip.
func (s *Seedance) Generate(ctx context.Context, req VideoRequest) (*GeneratedVideo, error) {
	req, err := req.normalize()
	if err != nil {
		return nil, err
	}
	model := cmp.Or(s.cfg.Models[req.Model], s.cfg.Model)
	if model == "" {
		return nil, fmt.Errorf("%w: no seedance model for %q", ErrBadVideoRequest, req.Model)
	}
	body, err := s.taskBody(model, req)
	if err != nil {
		return nil, err
	}
	raw, err := s.c.call(ctx, "submit", http.MethodPost, "api/v3/contents/generations/tasks", body, ErrBadVideoRequest)
	if err != nil {
		return nil, err
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := s.c.decode("submit", raw, &created); err != nil {
		return nil, err
	}
	if created.ID == "" {
		return nil, s.c.fail("submit", 0, false, nil, "no task id in the response")
	}
	videoURL, err := s.wait(ctx, created.ID)
	if err != nil {
		if ctx.Err() != nil {
			s.cancel(created.ID)
		}
		return nil, err
	}
	return s.fetch(ctx, videoURL, req.Source)
}

// taskBody builds the create-task request.
func (s *Seedance) taskBody(model string, req VideoRequest) (map[string]any, error) {
	ratio := resolveRatio(req.Ratio, req.Source)
	if req.Ratio == RatioAuto && req.Source != nil {
		ratio = "adaptive"
	}
	params := [][2]string{{"ratio", ratio}, {"duration", strconv.Itoa(req.Duration)}}
	if req.Seed != 0 {
		params = append(params, [2]string{"seed", strconv.FormatInt(req.Seed&0xFFFFFFFF, 10)})
	}
	if s.cfg.Resolution != "" {
		params = append(params, [2]string{"resolution", s.cfg.Resolution})
	}
	body := map[string]any{"model": model}
	text := strings.TrimSpace(req.Prompt)
	for _, p := range params {
		if s.cfg.TopLevelParams {
			body[p[0]] = p[1]
			if n, err := strconv.ParseInt(p[1], 10, 64); err == nil {
				body[p[0]] = n
			}
		} else {
			text += " --" + p[0] + " " + p[1]
		}
	}
	content := []map[string]any{{"type": "text", "text": strings.TrimSpace(text)}}
	if req.Source != nil {
		dataURL, err := pngDataURL(req.Source)
		if err != nil {
			return nil, err
		}
		content = append(content, map[string]any{"type": "image_url", "image_url": map[string]string{"url": dataURL}, "role": "first_frame"})
	}
	body["content"] = content
	return body, nil
}

// maxSourceSide bounds the source image sent inline: the API caps image
// size, and a first frame needs no more than the video's resolution.
const maxSourceSide = 2048

func pngDataURL(img image.Image) (string, error) {
	b := img.Bounds()
	if long := max(b.Dx(), b.Dy()); long > maxSourceSide {
		small := image.NewRGBA(image.Rect(0, 0, b.Dx()*maxSourceSide/long, b.Dy()*maxSourceSide/long))
		draw.ApproxBiLinear.Scale(small, small.Rect, img, b, draw.Src, nil)
		img = small
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("%w: source image: %v", ErrBadVideoRequest, err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// seedanceTask is the task answer, as far as we read it.
type seedanceTask struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Content struct {
		VideoURL string `json:"video_url"`
	} `json:"content"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// decodeSeedanceTask parses a task answer and says whether the job is
// done (with its video URL) or failed.
func decodeSeedanceTask(raw []byte) (videoURL string, done bool, err error) {
	var t seedanceTask
	if err := json.Unmarshal(raw, &t); err != nil {
		return "", false, &ProviderError{Provider: "seedance", Op: "poll", Message: "malformed response: " + err.Error(), Err: err}
	}
	switch t.Status {
	case "queued", "running", "":
		return "", false, nil
	case "succeeded":
		if t.Content.VideoURL == "" {
			return "", false, &ProviderError{Provider: "seedance", Op: "job", Code: t.Status, Message: "no video_url in a succeeded task"}
		}
		return t.Content.VideoURL, true, nil
	case "failed", "cancelled", "expired":
		pe := &ProviderError{Provider: "seedance", Op: "job", Code: t.Status, Retryable: t.Status == "expired"}
		if t.Error != nil {
			pe.Code = cmp.Or(t.Error.Code, t.Status)
			pe.Message = t.Error.Message
			pe.Retryable = pe.Retryable || transientCode(t.Error.Code)
		}
		if strings.Contains(strings.ToLower(pe.Code), "sensitive") {
			pe.Err = ErrBadVideoRequest // a refused prompt or image
		}
		return "", false, pe
	}
	return "", false, nil // a state we do not know yet: keep waiting, ctx bounds it
}

// transientCode reports error codes that name a passing condition.
func transientCode(code string) bool {
	c := strings.ToLower(code)
	for _, w := range []string{"internal", "overload", "unavailable", "ratelimit", "rate_limit", "timeout", "busy"} {
		if strings.Contains(c, w) {
			return true
		}
	}
	return false
}

func (s *Seedance) wait(ctx context.Context, id string) (string, error) {
	var videoURL string
	err := s.c.poll(ctx, func(ctx context.Context) (bool, error) {
		raw, err := s.c.call(ctx, "poll", http.MethodGet, "api/v3/contents/generations/tasks/"+url.PathEscape(id), nil, ErrBadVideoRequest)
		if err != nil {
			return false, err
		}
		u, done, err := decodeSeedanceTask(raw)
		videoURL = u
		return done, err
	})
	return videoURL, err
}

// cancel asks the API to drop a job whose caller went away; it runs on its
// own short deadline since ctx has ended.
func (s *Seedance) cancel(id string) {
	ctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	s.c.call(ctx, "cancel", http.MethodDelete, "api/v3/contents/generations/tasks/"+url.PathEscape(id), nil, nil) //nolint:errcheck // best effort
}

// fetch downloads and checks the clip and finds its thumbnail.
func (s *Seedance) fetch(ctx context.Context, videoURL string, source image.Image) (*GeneratedVideo, error) {
	var info avenc.MP4Info
	path, err := s.c.download(ctx, videoURL, "kira-video-*.mp4", s.cfg.MaxDownload, func(p string) error {
		var err error
		info, err = verifyVideo(p)
		return err
	})
	if err != nil {
		return nil, err
	}
	thumb := source
	if s.cfg.FFmpeg != nil {
		first, err := s.cfg.FFmpeg.FirstFrame(ctx, path)
		switch {
		case ctx.Err() != nil:
			os.Remove(path)
			return nil, ctx.Err()
		case err != nil: // ffmpeg cannot decode what our probe accepted: broken
			os.Remove(path)
			return nil, s.c.fail("download", 0, false, err, "broken result file: the first frame does not decode")
		}
		thumb = first
	}
	return &GeneratedVideo{Path: path, ContentType: "video/mp4", Width: info.Width, Height: info.Height,
		Duration: info.Duration, Thumbnail: thumb}, nil
}
