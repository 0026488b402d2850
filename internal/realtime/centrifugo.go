package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// publishTimeout bounds one publish when the caller's context has no
// earlier deadline; task status pushes must not hold a worker for long.
const publishTimeout = 10 * time.Second

// maxReplyBytes bounds how much of a reply is read: a publish reply is a
// few dozen bytes.
const maxReplyBytes = 64 << 10

// CentrifugoPublisher publishes through an external Centrifugo's server
// HTTP API (v5/v6: POST {apiURL}/api/publish with X-API-Key). It owns no
// resources beyond its HTTP client's idle connections. Safe for concurrent
// use.
//
// The Centrifugo must allow what the embedded node allows: the channel
// option allow_user_limited_channels (the "#" boundary) for channels
// without a namespace, and an HMAC token secret equal to TokenMinter's.
type CentrifugoPublisher struct {
	endpoint string
	apiKey   string
	client   *http.Client
}

var _ Publisher = (*CentrifugoPublisher)(nil)

// NewCentrifugoPublisher publishes to the Centrifugo at apiURL, its base URL
// (a trailing "/api" is accepted too), with apiKey. A nil httpClient means
// one with a 10 s timeout.
func NewCentrifugoPublisher(apiURL, apiKey string, httpClient *http.Client) (*CentrifugoPublisher, error) {
	base := strings.TrimSuffix(strings.TrimSuffix(apiURL, "/"), "/api")
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, fmt.Errorf("realtime: Centrifugo API URL %q is not http(s)", apiURL)
	}
	if apiKey == "" {
		return nil, errors.New("realtime: Centrifugo API key is empty")
	}
	if httpClient == nil {
		httpClient = &http.Client{Timeout: publishTimeout}
	}
	return &CentrifugoPublisher{endpoint: base + "/api/publish", apiKey: apiKey, client: httpClient}, nil
}

// publishRequest is the body of Centrifugo's publish method.
type publishRequest struct {
	Channel string          `json:"channel"`
	Data    json.RawMessage `json:"data"`
}

// apiReply is the part of a Centrifugo API reply we read: a method may
// answer 200 with an error object (e.g. 102 unknown channel).
type apiReply struct {
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Publish sends data, a JSON object, to channel through the HTTP API.
func (p *CentrifugoPublisher) Publish(ctx context.Context, channel string, data []byte) error {
	if channel == "" {
		return errors.New("realtime: publish: empty channel")
	}
	if err := checkData(data); err != nil {
		return err
	}
	body, err := json.Marshal(publishRequest{Channel: channel, Data: data})
	if err != nil {
		return fmt.Errorf("realtime: publish: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("realtime: publish: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", p.apiKey)
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("realtime: centrifugo publish: %w", err)
	}
	defer resp.Body.Close() //nolint:errcheck // read-only body
	return readReply(resp)
}

// readReply turns a non-2xx status or an error object into an error. The
// body is never echoed whole: it might reflect the request.
func readReply(resp *http.Response) error {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return errors.New("realtime: centrifugo publish: HTTP 401: API key refused")
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return fmt.Errorf("realtime: centrifugo publish: HTTP %d", resp.StatusCode)
	}
	if err != nil {
		return fmt.Errorf("realtime: centrifugo publish: reading reply: %w", err)
	}
	var r apiReply
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("realtime: centrifugo publish: reply is not JSON: %w", err)
	}
	if r.Error != nil {
		return fmt.Errorf("realtime: centrifugo publish: error %d: %s", r.Error.Code, r.Error.Message)
	}
	return nil
}
