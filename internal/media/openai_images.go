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
	_ "image/gif" // decoders for image.DecodeConfig
	_ "image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/param"
	_ "golang.org/x/image/webp"
)

// DefaultOpenAIImagesBaseURL is used when Config.BaseURL is empty.
const DefaultOpenAIImagesBaseURL = "https://api.openai.com/v1/"

// maxImageDownload bounds an image fetched from a url-only response.
const maxImageDownload = 20 << 20

// Config configures OpenAIImages.
type Config struct {
	// BaseURL of the API, e.g. "https://api.openai.com/v1/" (the default) or
	// "http://localai:8080/v1/".
	BaseURL string
	// APIKey is sent as a bearer token; empty for servers without auth.
	APIKey string
	// Model is the provider model used for tiers Models does not name.
	// Required unless Models names a model for each of lite, nova and ultra.
	Model string
	// Models optionally maps Kira tiers (lite, nova, ultra) to provider
	// models, e.g. {"lite": "gpt-image-1-mini", "ultra": "gpt-image-1"}.
	Models map[string]string
	// HTTPClient is used for API calls and for downloading url-only
	// results; nil means http.DefaultClient.
	HTTPClient *http.Client
}

// OpenAIImages generates and edits images through any OpenAI-compatible
// Images API (OpenAI, Azure-style proxies, LocalAI …) with the official
// SDK: POST /images/generations for plain requests and POST /images/edits
// (multipart, the source encoded as PNG) when ImageRequest.Source is set.
//
// The requested size is sent as the "WxH" that Dimensions computes, not
// snapped to a size list: compatible servers such as LocalAI accept
// arbitrary sizes, while OpenAI's fixed-size models answer 400, which
// surfaces as ErrBadRequest. The returned Width and Height are read from
// the images themselves. The API has no seed, so GeneratedImage.Seed is
// req.Seed as given. Safe for concurrent use.
type OpenAIImages struct {
	client openai.Client
	http   *http.Client
	base   *url.URL
	model  string
	models map[string]string
}

// NewOpenAIImages returns the provider for cfg.
func NewOpenAIImages(cfg Config) (*OpenAIImages, error) {
	base := cmp.Or(cfg.BaseURL, DefaultOpenAIImagesBaseURL)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("media: openai images: invalid base URL %q", base)
	}
	models := make(map[string]string, len(cfg.Models))
	for tier, m := range cfg.Models {
		t := strings.ToLower(tier)
		if t != "lite" && t != "nova" && t != "ultra" {
			return nil, fmt.Errorf("media: openai images: unknown tier %q in Models (want lite, nova or ultra)", tier)
		}
		if m != "" {
			models[t] = m
		}
	}
	if cfg.Model == "" && len(models) < 3 {
		return nil, errors.New("media: openai images: a model is required (Model, or Models for lite, nova and ultra)")
	}
	hc := cmp.Or(cfg.HTTPClient, http.DefaultClient)
	// Base URL and key are set explicitly so OPENAI_BASE_URL / OPENAI_API_KEY
	// in the environment cannot redirect requests or leak a key.
	client := openai.NewClient(option.WithBaseURL(base), option.WithAPIKey(cfg.APIKey), option.WithHTTPClient(hc))
	return &OpenAIImages{client: client, http: hc, base: u, model: cfg.Model, models: models}, nil
}

// Name identifies the provider.
func (*OpenAIImages) Name() string { return "openai" }

// modelFor maps a Kira tier to the provider model ("" is nova, as in
// Dimensions).
func (p *OpenAIImages) modelFor(tier string) string {
	return cmp.Or(p.models[cmp.Or(strings.ToLower(tier), "nova")], p.model)
}

// gptImage reports whether model is one of OpenAI's GPT image models, which
// reject response_format and always answer base64, in output_format.
func gptImage(model string) bool {
	m := strings.ToLower(model)
	return strings.HasPrefix(m, "gpt-image") || strings.HasPrefix(m, "chatgpt-image")
}

// Generate requests req.Count images, or edits of req.Source when set.
func (p *OpenAIImages) Generate(ctx context.Context, req ImageRequest) ([]GeneratedImage, error) {
	if req.Count < 1 || req.Count > 4 {
		return nil, fmt.Errorf("%w: count %d (want 1-4)", ErrBadRequest, req.Count)
	}
	w, h, err := Dimensions(req.Model, req.Ratio)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	model := p.modelFor(req.Model)
	size := strconv.Itoa(w) + "x" + strconv.Itoa(h)

	// The SDK loses the status of error bodies it cannot parse (HTML from a
	// proxy, {"detail":"…"}); keep them. The middleware runs synchronously
	// inside the call, so plain variables suffice.
	var errStatus int
	var errBody []byte
	mw := option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		res, err := next(r)
		if err == nil && res.Body != nil && res.StatusCode >= 400 {
			raw, _ := io.ReadAll(io.LimitReader(res.Body, 16<<10))
			res.Body.Close()
			res.Body = io.NopCloser(bytes.NewReader(raw))
			errStatus, errBody = res.StatusCode, raw
		}
		return res, err
	})

	var res *openai.ImagesResponse
	if req.Source == nil {
		params := openai.ImageGenerateParams{
			Prompt: req.Prompt,
			Model:  model,
			N:      param.NewOpt(int64(req.Count)),
			Size:   openai.ImageGenerateParamsSize(size),
		}
		if gptImage(model) {
			params.OutputFormat = openai.ImageGenerateParamsOutputFormatPNG
		} else {
			params.ResponseFormat = openai.ImageGenerateParamsResponseFormatB64JSON
		}
		res, err = p.client.Images.Generate(ctx, params, mw)
	} else {
		var src bytes.Buffer
		if err := png.Encode(&src, req.Source); err != nil {
			return nil, fmt.Errorf("%w: source image: %v", ErrBadRequest, err)
		}
		params := openai.ImageEditParams{
			Image:  openai.ImageEditParamsImageUnion{OfFile: openai.File(bytes.NewReader(src.Bytes()), "image.png", "image/png")},
			Prompt: req.Prompt,
			Model:  model,
			N:      param.NewOpt(int64(req.Count)),
			Size:   openai.ImageEditParamsSize(size),
		}
		if gptImage(model) {
			params.OutputFormat = openai.ImageEditParamsOutputFormatPNG
		} else {
			params.ResponseFormat = openai.ImageEditParamsResponseFormatB64JSON
		}
		res, err = p.client.Images.Edit(ctx, params, mw)
	}
	if err != nil {
		return nil, mapImagesErr(ctx, err, errStatus, errBody)
	}
	if len(res.Data) == 0 {
		return nil, errors.New("media: openai images: response has no images")
	}
	if len(res.Data) > req.Count {
		res.Data = res.Data[:req.Count]
	}
	out := make([]GeneratedImage, 0, len(res.Data))
	for i, d := range res.Data {
		data, err := p.imageBytes(ctx, d)
		if err != nil {
			return nil, fmt.Errorf("media: openai images: image %d: %w", i, err)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("media: openai images: image %d: %w", i, err)
		}
		out = append(out, GeneratedImage{Data: data, ContentType: "image/" + format,
			Width: cfg.Width, Height: cfg.Height, Seed: req.Seed})
	}
	return out, nil
}

// imageBytes returns one result's bytes: decoded b64_json, or else the
// download of its url.
func (p *OpenAIImages) imageBytes(ctx context.Context, d openai.Image) ([]byte, error) {
	if b64 := d.B64JSON; b64 != "" {
		// Some compatible servers send a data URL here.
		if strings.HasPrefix(b64, "data:") {
			if _, after, ok := strings.Cut(b64, ","); ok {
				b64 = after
			}
		}
		data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
		if err != nil {
			return nil, fmt.Errorf("b64_json: %w", err)
		}
		return data, nil
	}
	if d.URL == "" {
		return nil, errors.New("neither b64_json nor url in the response")
	}
	return p.download(ctx, d.URL)
}

// download fetches a result url (resolved against the base URL, as some
// servers answer with paths) with the provider's HTTP client, without the
// API key: result URLs are typically pre-signed storage links.
func (p *OpenAIImages) download(ctx context.Context, raw string) ([]byte, error) {
	u, err := p.base.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("bad image url %q", raw)
	}
	// Signed URLs carry credentials in the query; keep it out of errors.
	where := u.Scheme + "://" + u.Host + u.Path
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	res, err := p.http.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err // its message repeats the full URL
		}
		return nil, fmt.Errorf("download %s: %w", where, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download %s: HTTP %d", where, res.StatusCode)
	}
	if res.ContentLength > maxImageDownload {
		return nil, fmt.Errorf("download %s: %d bytes exceeds the %d-byte limit", where, res.ContentLength, maxImageDownload)
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, maxImageDownload+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("download %s: %w", where, err)
	}
	if len(data) > maxImageDownload {
		return nil, fmt.Errorf("download %s: exceeds the %d-byte limit", where, maxImageDownload)
	}
	return data, nil
}

// imagesBadRequest is a 400 from the API: errors.Is(err, ErrBadRequest), and
// errors.As(err, **openai.Error) when the SDK parsed the body (Code tells
// content-policy refusals apart).
type imagesBadRequest struct {
	msg string
	api *openai.Error
}

func (e *imagesBadRequest) Error() string { return ErrBadRequest.Error() + ": openai: " + e.msg }

func (e *imagesBadRequest) Unwrap() []error {
	if e.api == nil {
		return []error{ErrBadRequest}
	}
	return []error{ErrBadRequest, e.api}
}

// mapImagesErr turns an SDK error into the provider's: ctx errors as such,
// 400s as ErrBadRequest with the API's message, other API errors as is.
func mapImagesErr(ctx context.Context, err error, status int, body []byte) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		if apiErr.StatusCode != http.StatusBadRequest {
			return err
		}
		msg := cmp.Or(apiErr.Message, errorBodyMessage(body), http.StatusText(http.StatusBadRequest))
		return &imagesBadRequest{msg: msg, api: apiErr}
	}
	if status == http.StatusBadRequest {
		return &imagesBadRequest{msg: cmp.Or(errorBodyMessage(body), http.StatusText(status))}
	}
	if status >= 400 { // the SDK could not parse the error body
		return fmt.Errorf("media: openai images: HTTP %d: %s", status, cmp.Or(errorBodyMessage(body), http.StatusText(status)))
	}
	return err
}

// errorBodyMessage digs a message out of error bodies of the shapes
// compatible servers use: {"error":{"message":…}}, {"error":"…"},
// {"message":"…"}, {"detail":"…"}.
func errorBodyMessage(raw []byte) string {
	var b struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  any             `json:"detail"`
	}
	if json.Unmarshal(raw, &b) != nil {
		return ""
	}
	var s string
	var obj struct {
		Message string `json:"message"`
	}
	switch {
	case json.Unmarshal(b.Error, &s) == nil && s != "":
		return s
	case json.Unmarshal(b.Error, &obj) == nil && obj.Message != "":
		return obj.Message
	case b.Message != "":
		return b.Message
	}
	if d, ok := b.Detail.(string); ok {
		return d
	}
	return ""
}
