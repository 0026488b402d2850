package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/kira-art/kira/internal/hotcache"
	"github.com/kira-art/kira/internal/view"
)

// The anonymous hot reads — the first feed page per mediaType, the featured
// page, the CMS documents per language and the sitemaps — are served from
// hotcache: pre-encoded (and gzipped) bodies with an ETag, refilled once
// per max age by one request however many are waiting, dropped when a
// write announces a topic they depend on (see internal/hotcache for the
// coherence model). likedNumber on cached pages is at most feedMaxAge old:
// likes are too frequent to invalidate on. A signed-in viewer gets the
// cached page with their own isLiked (one indexed query for the page's
// ids) and their flags overlaid.
const (
	feedMaxAge    = time.Second
	sitemapMaxAge = time.Minute
)

// hotReads holds the caches; nil caches mean "read through" (a Server
// built without an invalidator in tests of other layers still works).
type hotReads struct {
	feedPages *hotcache.Cache[view.FeedPage] // key: mediaType ("" = all)
	featured  *hotcache.Cache[view.FeedList] // key: ""
	cms       *hotcache.Cache[any]           // key: path + "|" + locale
	sitemap   *hotcache.Cache[any]           // key: users | feeds
}

// errNotCacheable marks a fill whose answer must not be kept (the CMS
// fail-open empty shape); the handler then answers without the cache.
var errNotCacheable = errors.New("answer not cacheable")

func (s *Server) buildHotReads(inv hotcache.Invalidator) (hotReads, error) {
	var h hotReads
	var err error
	if h.feedPages, err = hotcache.New(inv, hotcache.Options[view.FeedPage]{Name: "feed pages",
		Topics: []string{hotcache.TopicFeed}, MaxAge: feedMaxAge, MaxEntries: 8, Fill: s.fillFeedPage,
		Encode: encodeAppender[view.FeedPage], ContentType: jsonContentType[0]}); err != nil {
		return h, err
	}
	if h.featured, err = hotcache.New(inv, hotcache.Options[view.FeedList]{Name: "featured",
		Topics: []string{hotcache.TopicFeed, hotcache.TopicFeatured}, MaxAge: feedMaxAge, MaxEntries: 1,
		Fill: s.fillFeatured, Encode: encodeAppender[view.FeedList], ContentType: jsonContentType[0]}); err != nil {
		return h, err
	}
	if h.cms, err = hotcache.New(inv, hotcache.Options[any]{Name: "cms", Topics: []string{hotcache.TopicCMS},
		MaxAge: s.cmsTTL(), Fill: s.fillCMS, Encode: encodeJSON, ContentType: jsonContentType[0]}); err != nil {
		return h, err
	}
	h.sitemap, err = hotcache.New(inv, hotcache.Options[any]{Name: "sitemap",
		Topics: []string{hotcache.TopicFeed, hotcache.TopicUsers}, MaxAge: sitemapMaxAge, MaxEntries: 2,
		Fill: s.fillSitemap, Encode: encodeJSON, ContentType: jsonContentType[0]})
	return h, err
}

func encodeAppender[V any, P interface {
	*V
	view.Appender
}](v V) ([]byte, error) {
	return append(P(&v).AppendJSON(make([]byte, 0, 32<<10)), '\n'), nil
}

func encodeJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	return append(b, '\n'), err
}

// fillFeedPage reads the first page of a kind as an anonymous viewer sees
// it.
func (s *Server) fillFeedPage(ctx context.Context, kind string) (view.FeedPage, error) {
	rows, err := s.Store.PublicFeedRows(ctx, kind, nil, 0, feedsPerPage+1, "")
	if err != nil {
		return view.FeedPage{}, err
	}
	return s.feedPageOf(rows, "", true), nil
}

func (s *Server) fillFeatured(ctx context.Context, _ string) (view.FeedList, error) {
	rows, err := s.Store.FeaturedFeedRows(ctx, featuredFeedMax, "")
	if err != nil {
		return view.FeedList{}, err
	}
	return view.FeedList{Feeds: s.Views.Feeds(rows, "")}, nil
}

// serveFeeds answers a cached page: the bytes to anonymous readers, the
// value with the viewer's overlay to signed-in ones.
func (s *Server) serveFeeds(w http.ResponseWriter, r *http.Request, feeds []view.Feed, encoded func(), render func([]view.Feed) view.Appender) {
	viewer := userID(r)
	if viewer == "" {
		encoded()
		return
	}
	mine, err := s.overlayViewer(r.Context(), feeds, viewer)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, render(mine))
}

// overlayViewer renders a cached page for a signed-in viewer: their likes
// of the page's ids in one indexed lookup, applied by view.ForViewer.
func (s *Server) overlayViewer(ctx context.Context, feeds []view.Feed, viewer string) ([]view.Feed, error) {
	ids := make([]string, len(feeds))
	for i := range feeds {
		ids[i] = feeds[i].ID
	}
	liked, err := s.Store.LikedBy(ctx, viewer, ids)
	if err != nil {
		return nil, err
	}
	return view.ForViewer(feeds, viewer, liked), nil
}

// cmsTTL is how long a CMS document may be served from the hot cache: as
// long as the CMS client itself reuses it.
func (s *Server) cmsTTL() time.Duration {
	if s.Config.CMSCacheTTL > 0 {
		return s.Config.CMSCacheTTL
	}
	return time.Minute
}

// fillCMS reads one CMS document of one locale; key is "<path>|<locale>".
func (s *Server) fillCMS(ctx context.Context, key string) (any, error) {
	path, locale, _ := strings.Cut(key, "|")
	if s.CMS == nil {
		return nil, errNotCacheable
	}
	var v any
	var ok bool
	switch path {
	case "announcement":
		v, ok = s.CMS.Announcement(ctx, locale)
	case "homecards":
		v, ok = s.CMS.HomeCards(ctx, locale)
	case "trending":
		v, ok = s.CMS.Trending(ctx, locale)
	}
	if !ok {
		return nil, errNotCacheable
	}
	return v, nil
}

func (s *Server) fillSitemap(ctx context.Context, key string) (any, error) {
	if key == "users" {
		es, err := s.Store.SitemapUsers(ctx, sitemapMaxUsers)
		return view.SitemapUsers{Users: view.SitemapEntries(es)}, err
	}
	es, err := s.Store.SitemapFeeds(ctx, sitemapMaxFeeds)
	return view.SitemapFeeds{Feeds: view.SitemapEntries(es)}, err
}
