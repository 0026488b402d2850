package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// user is one signed-in member of the load.
type user struct {
	id, token string
	ip        string // X-Forwarded-For with -forwarded-for
}

// soak is the state every worker shares.
type soak struct {
	o     options
	http  *http.Client
	rec   *recorder
	users []user
	posts *postPool
	next  atomic.Uint64 // round-robin over the instances
	stop  time.Time     // workers start nothing new after it
	log   func(format string, args ...any)
}

// newHTTPClient never limits connections per host: every open stream
// holds its own.
func newHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}}
}

// running reports whether workers may start another operation.
func (s *soak) running(ctx context.Context) bool {
	return ctx.Err() == nil && time.Now().Before(s.stop)
}

// base picks the next instance.
func (s *soak) base() string {
	return s.o.urls[(s.next.Add(1)-1)%uint64(len(s.o.urls))]
}

// other is an instance other than base when there are several (a resume
// goes elsewhere, as behind a load balancer).
func (s *soak) other(base string) string {
	for _, u := range s.o.urls {
		if u != base {
			return u
		}
	}
	return base
}

// request is one HTTP exchange to send.
type request struct {
	route, method, path string
	base                string // "" = the next instance
	u                   *user  // nil = anonymous
	body                any    // JSON-encoded unless it is an io.Reader
	contentType         string
	header              http.Header
	want                []int // accepted statuses (default 200)
}

// newRequest builds the http.Request of rq.
func (s *soak) newRequest(ctx context.Context, rq request) (*http.Request, error) {
	var rd io.Reader
	ct := rq.contentType
	switch b := rq.body.(type) {
	case nil:
	case io.Reader:
		rd = b
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		rd, ct = bytes.NewReader(raw), "application/json"
	}
	base := rq.base
	if base == "" {
		base = s.base()
	}
	req, err := http.NewRequestWithContext(ctx, rq.method, base+rq.path, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range rq.header {
		req.Header[k] = v
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if rq.u != nil {
		req.Header.Set("Authorization", "Bearer "+rq.u.token)
		if s.o.forwardedFor {
			req.Header.Set("X-Forwarded-For", rq.u.ip)
		}
	} else if s.o.forwardedFor {
		req.Header.Set("X-Forwarded-For", s.users[s.next.Load()%uint64(len(s.users))].ip)
	}
	return req, nil
}

// call sends rq, reads the whole answer, records it and returns the body
// when the status is one of rq.want; otherwise an error (errLimited after
// waiting out a 429's Retry-After).
func (s *soak) call(ctx context.Context, rq request) (int, []byte, error) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.o.requestTimeout)
	defer cancel()
	t0 := time.Now()
	resp, err := s.open(rctx, rq)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.rec.add(rq.route, t0, outcome{status: resp.StatusCode, kind: "transport", detail: err.Error()})
		return resp.StatusCode, nil, err
	}
	s.rec.add(rq.route, t0, outcome{status: resp.StatusCode})
	return resp.StatusCode, body, nil
}

// open sends rq and returns the response when its status is wanted; any
// other answer is recorded (and a 429 waited out) and returned as an error.
// The caller records a wanted response when it has read it.
func (s *soak) open(ctx context.Context, rq request) (*http.Response, error) {
	t0 := time.Now()
	req, err := s.newRequest(ctx, rq)
	if err != nil {
		return nil, err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		s.rec.add(rq.route, t0, outcome{kind: "transport", detail: err.Error()})
		return nil, err
	}
	want := rq.want
	if want == nil {
		want = []int{http.StatusOK}
	}
	for _, w := range want {
		if resp.StatusCode == w {
			return resp, nil
		}
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	s.rec.add(rq.route, t0, outcome{status: resp.StatusCode, kind: "status " + strconv.Itoa(resp.StatusCode),
		detail: rq.method + " " + rq.path + ": " + strings.TrimSpace(string(msg))})
	if resp.StatusCode == http.StatusTooManyRequests {
		s.waitRetryAfter(ctx, resp.Header.Get("Retry-After"))
		return nil, errLimited
	}
	return nil, fmt.Errorf("%s %s: %s", rq.method, rq.path, resp.Status)
}

// errLimited is a 429 already waited out.
var errLimited = errors.New("rate limited")

// waitRetryAfter sleeps a 429's Retry-After (whole seconds, as the server
// sends), at most until the load stops.
func (s *soak) waitRetryAfter(ctx context.Context, v string) {
	secs, err := strconv.Atoi(v)
	if err != nil || secs < 1 {
		secs = 1
	}
	d := min(time.Duration(secs)*time.Second, time.Until(s.stop))
	if d <= 0 {
		return
	}
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}

// getJSON sends rq and decodes a wanted answer into v.
func (s *soak) getJSON(ctx context.Context, rq request, v any) error {
	_, body, err := s.call(ctx, rq)
	if err != nil || v == nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		// The answer was recorded as a success; its body was not one.
		s.rec.count(rq.route+" (answer)", outcome{kind: "bad JSON", detail: err.Error()})
		return err
	}
	return nil
}
