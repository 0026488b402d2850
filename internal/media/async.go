package media

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Defaults shared by the asynchronous HTTP providers.
const (
	defaultPollInterval = 5 * time.Second
	defaultMaxPollErrs  = 5
	defaultMaxVideo     = 512 << 20
	defaultMaxAudio     = 100 << 20
	maxAPIResponse      = 1 << 20
	maxCoverDownload    = 20 << 20
)

// asyncClient is what the HTTP providers share: JSON calls with a bearer
// key, a polling loop, and downloads into verified temporary files. Every
// failure comes back as ctx's error or a *ProviderError.
type asyncClient struct {
	provider     string
	base         *url.URL
	key          string
	http         *http.Client
	pollInterval time.Duration
	maxPollErrs  int
	tempDir      string
}

func newAsyncClient(provider, base, key string, hc *http.Client, poll time.Duration, tempDir string) (*asyncClient, error) {
	u, err := url.Parse(strings.TrimRight(base, "/") + "/")
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("media: %s: invalid base URL %q", provider, base)
	}
	return &asyncClient{provider: provider, base: u, key: key, http: cmp.Or(hc, http.DefaultClient),
		pollInterval: cmp.Or(poll, defaultPollInterval), maxPollErrs: defaultMaxPollErrs, tempDir: tempDir}, nil
}

func (c *asyncClient) fail(op string, status int, retryable bool, cause error, msg string) *ProviderError {
	return &ProviderError{Provider: c.provider, Op: op, Status: status, Message: msg, Retryable: retryable, Err: cause}
}

// call sends a JSON request (body nil for none) to path under the base URL
// and returns the raw JSON answer of a 2xx response. HTTP errors carry the
// API's code and message; 400s wrap badReq.
func (c *asyncClient) call(ctx context.Context, op, method, path string, body any, badReq error) ([]byte, error) {
	u, err := c.base.Parse(strings.TrimLeft(path, "/"))
	if err != nil {
		return nil, c.fail(op, 0, false, err, "")
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, c.fail(op, 0, false, err, "")
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, c.fail(op, 0, false, err, "")
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportErr(ctx, op, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxAPIResponse))
	if err != nil {
		return nil, c.transportErr(ctx, op, err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		pe := c.fail(op, res.StatusCode, retryableStatus(res.StatusCode), nil, errorBodyMessage(raw))
		pe.Code = errorBodyCode(raw)
		if pe.Message == "" {
			pe.Message = http.StatusText(res.StatusCode)
		}
		if res.StatusCode == http.StatusBadRequest {
			pe.Err = badReq
		}
		return nil, pe
	}
	return raw, nil
}

// transportErr maps a failed exchange: ctx's own error when it ended,
// otherwise a retryable ProviderError without the URL (url.Error repeats
// it, with any signed query).
func (c *asyncClient) transportErr(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		err = ue.Err
	}
	return c.fail(op, 0, true, err, "")
}

// decode parses a 2xx answer; a body that is not the expected JSON is a
// permanent failure (a retry would not make the API speak another shape).
func (c *asyncClient) decode(op string, raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return c.fail(op, 0, false, err, "malformed response: "+err.Error())
	}
	return nil
}

// poll calls check every poll interval until it reports done, ctx ends, or
// it fails. Retryable failures (the API blipped) are tolerated a few times
// in a row: the job is already paid for, and giving up would start over.
func (c *asyncClient) poll(ctx context.Context, check func(context.Context) (bool, error)) error {
	timer := time.NewTimer(c.pollInterval)
	defer timer.Stop()
	for errs := 0; ; {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		done, err := check(ctx)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil && Retryable(err) && errs < c.maxPollErrs:
			errs++
		case err != nil:
			return err
		case done:
			return nil
		default:
			errs = 0
		}
		timer.Reset(c.pollInterval)
	}
}

// download streams the result at raw (resolved against the base URL) into
// a temporary file of at most limit bytes and runs verify on it. The API
// key is not sent: result URLs are pre-signed storage links. A short,
// oversized or unverifiable file is a permanent failure and leaves no
// file behind.
func (c *asyncClient) download(ctx context.Context, raw, pattern string, limit int64, verify func(string) error) (path string, err error) {
	res, err := c.getFile(ctx, raw)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	if res.ContentLength > limit {
		return "", c.fail("download", 0, false, nil, fmt.Sprintf("result of %d bytes exceeds the %d-byte limit", res.ContentLength, limit))
	}
	f, err := os.CreateTemp(c.tempDir, pattern)
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	if err := c.save(ctx, f, res.Body, limit); err != nil {
		return "", err
	}
	if err := verify(f.Name()); err != nil {
		return "", c.fail("download", 0, false, err, "broken result file: "+err.Error())
	}
	return f.Name(), nil
}

// getFile starts the download of a result URL, without the API key.
func (c *asyncClient) getFile(ctx context.Context, raw string) (*http.Response, error) {
	u, err := c.base.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || raw == "" {
		return nil, c.fail("download", 0, false, nil, "bad result URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, c.fail("download", 0, false, err, "")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportErr(ctx, "download", err)
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		return nil, c.fail("download", res.StatusCode, retryableStatus(res.StatusCode), nil, "result file unavailable")
	}
	return res, nil
}

// save copies at most limit bytes of body into f and closes it. A body
// cut short of its Content-Length is a truncated, permanent failure.
func (c *asyncClient) save(ctx context.Context, f *os.File, body io.Reader, limit int64) error {
	n, err := io.Copy(f, io.LimitReader(body, limit+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, io.ErrUnexpectedEOF):
		return c.fail("download", 0, false, err, "result file truncated")
	case err != nil:
		return c.transportErr(ctx, "download", err)
	case n > limit:
		return c.fail("download", 0, false, nil, fmt.Sprintf("result exceeds the %d-byte limit", limit))
	}
	return nil
}

// fetchSmall downloads a small file (a cover) into memory.
func (c *asyncClient) fetchSmall(ctx context.Context, raw string, limit int64) ([]byte, error) {
	u, err := c.base.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || raw == "" {
		return nil, errors.New("bad URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportErr(ctx, "download", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", res.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = errors.New("too large")
	}
	return data, err
}

// errorBodyCode digs an error code out of {"error":{"code":…}} or
// {"code":…} bodies.
func errorBodyCode(raw []byte) string {
	var b struct {
		Error struct {
			Code any `json:"code"`
		} `json:"error"`
		Code any `json:"code"`
	}
	if json.Unmarshal(raw, &b) != nil {
		return ""
	}
	for _, c := range []any{b.Error.Code, b.Code} {
		switch v := c.(type) {
		case string:
			return v
		case float64:
			return fmt.Sprint(v)
		}
	}
	return ""
}
