package moderation

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/image/draw"
)

// Defaults for HTTPConfig's zero fields.
const (
	DefaultModel = "omni-moderation-latest"
	// DefaultCSAMThreshold is the sexual/minors score at which the HTTP
	// checker blocks. The provider's own flag for that category sits at a
	// stricter internal cut-off we cannot see; 0.5 blocks whenever the model
	// thinks it more likely than not, and an operator may lower it (never
	// raise it above what the law requires them to catch).
	DefaultCSAMThreshold = 0.5
	DefaultHTTPTimeout   = 10 * time.Second
	// DefaultMaxImageSide bounds the long side of an image sent to the
	// provider: moderation needs no more, and it keeps requests well under
	// the provider's 20 MB limit.
	DefaultMaxImageSide = 1024
)

// maxResponseBytes bounds how much of a response is read: a real one is a
// few kilobytes.
const maxResponseBytes = 1 << 20

// ErrUnavailable wraps every HTTP checker failure (timeout, transport error,
// non-2xx status, malformed body): the content was not checked, and callers
// fail closed (503 for avatars, hidden for posts).
var ErrUnavailable = errors.New("moderation provider unavailable")

// StatusError is a non-2xx answer from the provider; it unwraps to
// ErrUnavailable.
type StatusError struct {
	Code       int
	RetryAfter time.Duration // from a 429's Retry-After (seconds), else 0
	Body       string        // the start of the body, for logs
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s: status %d", ErrUnavailable, e.Code)
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Unwrap makes errors.Is(err, ErrUnavailable) hold.
func (e *StatusError) Unwrap() error { return ErrUnavailable }

// HTTPConfig configures an OpenAI-compatible moderation endpoint.
type HTTPConfig struct {
	BaseURL       string        // e.g. https://api.openai.com/v1; requests go to BaseURL + "/moderations"
	APIKey        string        // sent as "Authorization: Bearer …" when set
	Model         string        // DefaultModel when empty
	CSAMThreshold float64       // sexual/minors score at or above which content is CSAM; DefaultCSAMThreshold when 0
	Timeout       time.Duration // per request; DefaultHTTPTimeout when 0
	MaxImageSide  int           // long side images are scaled down to; DefaultMaxImageSide when 0
	Client        *http.Client  // http.DefaultClient when nil
}

// HTTP checks content with an OpenAI-compatible moderation API
// (POST {base}/moderations with multi-modal input).
type HTTP struct {
	cfg      HTTPConfig
	endpoint string
}

var _ Checker = (*HTTP)(nil)

// NewHTTP validates cfg and fills its defaults.
func NewHTTP(cfg HTTPConfig) (*HTTP, error) {
	base := strings.TrimRight(cfg.BaseURL, "/")
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, fmt.Errorf("moderation base URL %q: want http(s)://…", cfg.BaseURL)
	}
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	if cfg.CSAMThreshold == 0 {
		cfg.CSAMThreshold = DefaultCSAMThreshold
	}
	if !(cfg.CSAMThreshold > 0 && cfg.CSAMThreshold <= 1) {
		return nil, fmt.Errorf("moderation CSAM threshold %v: want (0, 1]", cfg.CSAMThreshold)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultHTTPTimeout
	}
	if cfg.MaxImageSide <= 0 {
		cfg.MaxImageSide = DefaultMaxImageSide
	}
	if cfg.Client == nil {
		cfg.Client = http.DefaultClient
	}
	return &HTTP{cfg: cfg, endpoint: base + "/moderations"}, nil
}

// CheckImage sends img (as a PNG data URL) to the provider.
func (c *HTTP) CheckImage(ctx context.Context, img image.Image) (Verdict, error) {
	return c.Check(ctx, "", img)
}

// CheckText sends text to the provider. Empty text is clean without a call.
func (c *HTTP) CheckText(ctx context.Context, text string) (Verdict, error) {
	if strings.TrimSpace(text) == "" {
		return Verdict{}, ctx.Err()
	}
	return c.Check(ctx, text)
}

// Check sends text (when not empty) and images in one request, which the
// provider judges as one input (e.g. a video thumbnail with its prompt).
func (c *HTTP) Check(ctx context.Context, text string, imgs ...image.Image) (Verdict, error) {
	var parts []inputPart
	if text != "" {
		parts = append(parts, inputPart{Type: "text", Text: text})
	}
	for _, img := range imgs {
		u, err := dataURL(img, c.cfg.MaxImageSide)
		if err != nil {
			return Verdict{}, err
		}
		parts = append(parts, inputPart{Type: "image_url", ImageURL: &imageURL{URL: u}})
	}
	if len(parts) == 0 {
		return Verdict{}, ctx.Err()
	}
	body, err := c.post(ctx, request{Model: c.cfg.Model, Input: parts})
	if err != nil {
		return Verdict{}, err
	}
	// A multi-modal input array is one input: the provider answers with one
	// result for all its parts.
	results, err := decodeResponse(body, 1)
	if err != nil {
		return Verdict{}, err
	}
	return results[0].verdict(c.cfg.CSAMThreshold), nil
}

type request struct {
	Model string      `json:"model"`
	Input []inputPart `json:"input"`
}

type inputPart struct {
	Type     string    `json:"type"`
	Text     string    `json:"text,omitempty"`
	ImageURL *imageURL `json:"image_url,omitempty"`
}

type imageURL struct {
	URL string `json:"url"`
}

// post sends one request and returns the body of a 2xx answer; every
// failure wraps ErrUnavailable (and the context's error when it was done).
func (c *HTTP) post(ctx context.Context, req request) ([]byte, error) {
	payload, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("%w: encoding request: %w", ErrUnavailable, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	if c.cfg.APIKey != "" {
		hreq.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.cfg.Client.Do(hreq)
	if err != nil {
		// The transport error names the URL, never the key.
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading response: %w", ErrUnavailable, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, statusError(resp, body)
	}
	if len(body) > maxResponseBytes {
		return nil, fmt.Errorf("%w: response larger than %d bytes", ErrUnavailable, maxResponseBytes)
	}
	return body, nil
}

func statusError(resp *http.Response, body []byte) *StatusError {
	e := &StatusError{Code: resp.StatusCode}
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
		e.RetryAfter = time.Duration(secs) * time.Second
	}
	const keep = 200
	s := strings.ToValidUTF8(string(body[:min(len(body), keep)]), "")
	e.Body = strings.TrimSpace(s)
	return e
}

// dataURL encodes img as a PNG data URL, scaled down so its long side is at
// most maxSide.
func dataURL(img image.Image, maxSide int) (string, error) {
	b := img.Bounds()
	if b.Empty() {
		return "", fmt.Errorf("%w: empty image", ErrUnavailable)
	}
	if w, h := b.Dx(), b.Dy(); max(w, h) > maxSide {
		nw, nh := maxSide, max(1, h*maxSide/w)
		if h > w {
			nw, nh = max(1, w*maxSide/h), maxSide
		}
		small := image.NewRGBA(image.Rect(0, 0, nw, nh))
		// ApproxBiLinear: quick, and moderation needs no finer detail.
		draw.ApproxBiLinear.Scale(small, small.Bounds(), img, b, draw.Src, nil)
		img = small
	}
	var buf bytes.Buffer
	buf.WriteString("data:image/png;base64,")
	enc := base64.NewEncoder(base64.StdEncoding, &buf)
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(enc, img); err != nil {
		return "", fmt.Errorf("%w: encoding image: %w", ErrUnavailable, err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("%w: encoding image: %w", ErrUnavailable, err)
	}
	return buf.String(), nil
}
