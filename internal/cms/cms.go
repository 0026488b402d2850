// Package cms serves the content behind GET /op/announcement,
// /op/homecards/v2 and /op/trending (API.md §3.10), localised per request.
//
// # Sources
//
// Without a CMS URL the documents are the files shipped in content/cms/
// (embedded in the binary). With one (CMS_URL), each document is fetched
// from the upstream CMS as
//
//	GET <CMS_URL>/announcement
//	GET <CMS_URL>/homecards
//	GET <CMS_URL>/trending
//
// (a query string on CMS_URL, e.g. an access token, is kept on every
// request). Each answers 200 with a JSON document of the same shape as the
// matching file in content/cms/:
//
//	announcement: {visible, url, imageUrl, title: Text, description: Text}
//	homecards:    {featuredCardIds?: [id], cards: [{id, coverType, image, coverVideo,
//	               arcadeLink, mobileArcadeLink, requiredPlan, title: Text,
//	               description: Text, prompt: Text, isFeatured, model, ratio,
//	               mediaType, inputMedias: [{type, url}]}]}
//	trending:     {items: [{title: Text, coverType, coverImage, coverVideo, url}]}
//
// where Text is {"<locale>": "…"} (or a plain English string). Every
// localised field falls back to English on its own.
//
// # Failure
//
// A fetch has a timeout (default 3 s) and runs at most once at a time per
// document; its result is cached (default 60 s, failures 10 s so a CMS
// outage does not cost every request a timeout). A failed fetch — network
// error, timeout, non-200, oversized or malformed JSON — is logged as a
// warning and the endpoint serves the empty shape (visible:false, empty
// lists): the CMS never fails a request.
package cms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/kira-art/kira/content"
)

// Defaults for Options.
const (
	DefaultTimeout  = 3 * time.Second
	DefaultTTL      = 60 * time.Second
	DefaultFailTTL  = 10 * time.Second
	maxDocumentSize = 4 << 20 // an upstream document past this is treated as garbage
)

// Options configures a Client; the zero value serves the embedded content.
type Options struct {
	URL        string        // upstream CMS base URL (CMS_URL); empty = content/cms/
	Timeout    time.Duration // per upstream fetch; default DefaultTimeout
	TTL        time.Duration // how long a fetched document is reused; default DefaultTTL
	FailTTL    time.Duration // how long a failed fetch is remembered; default DefaultFailTTL
	HTTPClient *http.Client  // default: a client without its own timeout (Timeout applies)
	Logger     *slog.Logger
	Now        func() time.Time // clock for the cache; tests move it
}

// Client serves localised CMS documents. It is safe for concurrent use; a
// nil *Client serves the empty shapes.
type Client struct {
	opts  Options
	base  *url.URL // nil: embedded content
	log   *slog.Logger
	group singleflight.Group

	mu    sync.Mutex
	cache map[string]entry
}

type entry struct {
	doc   any // the parsed document; nil when the fetch failed
	until time.Time
}

// New makes a Client. It fails only for a CMS URL that is not an absolute
// http(s) URL (config validation rejects those first).
func New(o Options) (*Client, error) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.FailTTL <= 0 {
		o.FailTTL = min(DefaultFailTTL, o.TTL)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &Client{opts: o, log: o.Logger, cache: map[string]entry{}}
	if o.URL != "" {
		u, err := url.Parse(o.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, errors.New("cms: URL must be an absolute http(s) URL")
		}
		c.base = u
	}
	return c, nil
}

// Announcement is the announcement in locale; ok is false when the empty
// shape was served because the source failed.
func (c *Client) Announcement(ctx context.Context, locale string) (a Announcement, ok bool) {
	if c == nil {
		return emptyAnnouncement(), false
	}
	d, ok := load[announcementDoc](ctx, c, "announcement")
	if !ok {
		return emptyAnnouncement(), false
	}
	return d.localise(locale), true
}

// HomeCards are the home cards in locale, audio removed.
func (c *Client) HomeCards(ctx context.Context, locale string) (h HomeCards, ok bool) {
	if c == nil {
		return emptyHomeCards(), false
	}
	d, ok := load[homeCardsDoc](ctx, c, "homecards")
	if !ok {
		return emptyHomeCards(), false
	}
	return d.localise(locale), true
}

// Trending is the trending section in locale.
func (c *Client) Trending(ctx context.Context, locale string) (t Trending, ok bool) {
	if c == nil {
		return emptyTrending(), false
	}
	d, ok := load[trendingDoc](ctx, c, "trending")
	if !ok {
		return emptyTrending(), false
	}
	return d.localise(locale), true
}

// load returns the parsed document name, from the cache or from one
// shared fetch. A caller whose request ends stops waiting; the fetch
// itself runs on its own deadline so other waiters still get the result.
func load[T any](ctx context.Context, c *Client, name string) (T, bool) {
	var zero T
	c.mu.Lock()
	e, hit := c.cache[name]
	c.mu.Unlock()
	if hit && c.opts.Now().Before(e.until) {
		d, ok := e.doc.(T)
		return d, ok
	}
	ch := c.group.DoChan(name, func() (any, error) {
		var d T
		err := c.fetch(name, &d)
		c.mu.Lock()
		defer c.mu.Unlock()
		if err != nil {
			c.log.Warn("cms: serving the empty shape", "document", name, "err", err)
			c.cache[name] = entry{until: c.opts.Now().Add(c.opts.FailTTL)}
			return nil, err
		}
		c.cache[name] = entry{doc: d, until: c.expiry()}
		return d, nil
	})
	select {
	case <-ctx.Done():
		return zero, false
	case r := <-ch:
		if r.Err != nil {
			return zero, false
		}
		return r.Val.(T), true
	}
}

// expiry is when a fresh document is fetched again: never for the embedded
// content, which cannot change while the process runs.
func (c *Client) expiry() time.Time {
	if c.base == nil {
		return c.opts.Now().AddDate(100, 0, 0)
	}
	return c.opts.Now().Add(c.opts.TTL)
}

// fetch reads document name into v from the upstream or the content files.
func (c *Client) fetch(name string, v any) error {
	raw, err := c.read(name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode %s: %w", name, err)
	}
	return nil
}

func (c *Client) read(name string) ([]byte, error) {
	if c.base == nil {
		return content.CMSDocument(name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base.JoinPath(name).String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // the URL may carry a token: keep it out of logs
			err = ue.Err
		}
		return nil, fmt.Errorf("fetch %s: %w", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: upstream answered %d", name, resp.StatusCode)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentSize+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", name, err)
	}
	if len(raw) > maxDocumentSize {
		return nil, fmt.Errorf("fetch %s: document larger than %d bytes", name, maxDocumentSize)
	}
	return raw, nil
}
