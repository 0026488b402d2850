package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/bench/internal/loadkit"
	"github.com/kira-art/kira/internal/auth"
)

// runPrompt makes the local model call generateImage (one 768x768 image).
const runPrompt = "draw a red fox in the snow"

// client calls the API as many users.
type client struct {
	http *http.Client
	base string
	key  *auth.DevKey
}

// session is one user with one thread.
type session struct {
	token    string
	threadID string
}

// newClient makes a client whose transport never limits connections per
// host: every SSE stream holds its own connection.
func newClient(base string, key *auth.DevKey) *client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxConnsPerHost:     0,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	return &client{http: &http.Client{Transport: tr}, base: base, key: key}
}

// newSession mints a token for a new user and creates a thread with a
// first message (the first request also creates the user's profile).
func (c *client) newSession(ctx context.Context) (session, error) {
	tok, err := c.key.Mint(uuid.NewString(), "", 2*time.Hour, "")
	if err != nil {
		return session{}, err
	}
	body := map[string]any{"message": loadkit.UserMessage("m1", "a fox in the snow")}
	resp, err := c.do(ctx, http.MethodPost, "/thread/", tok, body)
	if err != nil {
		return session{}, err
	}
	defer resp.Body.Close()
	var t struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&t); err != nil || t.ID == "" {
		return session{}, fmt.Errorf("create thread: no id (%v)", err)
	}
	return session{token: tok, threadID: t.ID}, nil
}

// startRun posts a new user message to the thread; the response is the
// run's SSE stream.
func (c *client) startRun(ctx context.Context, s session) (*http.Response, error) {
	body := map[string]any{"threadId": s.threadID, "messages": []any{loadkit.UserMessage("u"+uuid.NewString()[:8], runPrompt)}}
	return c.do(ctx, http.MethodPost, "/agent/streaming", s.token, body)
}

// openStream reconnects to the thread's active run as a viewer.
func (c *client) openStream(ctx context.Context, s session) (*http.Response, error) {
	return c.do(ctx, http.MethodGet, "/agent/stream/"+s.threadID, s.token, nil)
}

// stopRun stops the thread's run; the server answers once it is saved.
func (c *client) stopRun(ctx context.Context, s session) error {
	resp, err := c.do(ctx, http.MethodPost, "/agent/task/"+s.threadID+"/stop", s.token, nil)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body) //nolint:errcheck // draining
	return resp.Body.Close()
}

// do sends one request and fails unless the answer is 200.
func (c *client) do(ctx context.Context, method, path, token string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(msg)))
	}
	return resp, nil
}
