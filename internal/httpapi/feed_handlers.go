package httpapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/hotcache"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/view"
)

const (
	feedsPerPage = 20
	// feedMaxPage bounds ?page=: OFFSET makes the database walk every
	// skipped row, so deep scrolling must use ?cursor= instead.
	feedMaxPage     = 500
	featuredFeedMax = 50
)

// feedHandlers serves /feed.
type feedHandlers struct{ s *Server }

// feedPageParam reads ?page= (1-based; absent or empty = 1).
func feedPageParam(r *http.Request) (int, error) {
	raw := r.URL.Query().Get("page")
	if raw == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > feedMaxPage {
		return 0, apperr.Invalidf("page: must be an integer from 1 to %d (use cursor to scroll further)", feedMaxPage)
	}
	return n, nil
}

// feedKindParam maps ?mediaType= to a stored media kind ("" = all).
func feedKindParam(r *http.Request) (string, error) {
	switch t := r.URL.Query().Get("mediaType"); t {
	case "", store.MediaImage, store.MediaVideo, store.MediaAudio:
		return t, nil
	}
	return "", apperr.Invalidf("mediaType: must be image, video or audio")
}

// feedPageOf renders a page read with one extra row (which says whether
// there are more) for the viewer.
func (s *Server) feedPageOf(rows []store.FeedRow, viewerID string, withCursor bool) view.FeedPage {
	more := len(rows) > feedsPerPage
	if more {
		rows = rows[:feedsPerPage]
	}
	out := view.FeedPage{Feeds: s.Views.Feeds(rows, viewerID), HasMore: more}
	if more && withCursor {
		out.NextCursor = feedCursorOf(rows[len(rows)-1].Feed)
	}
	return out
}

// writeFeedPage renders a page of posts for the viewer.
func (s *Server) writeFeedPage(w http.ResponseWriter, r *http.Request, rows []store.FeedRow, err error, withCursor bool) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page := s.feedPageOf(rows, userID(r), withCursor)
	writeJSON(w, http.StatusOK, &page)
}

// list serves GET /feed/: ?page= offset pages, or keyset pages when
// ?cursor= is given (then page is ignored). nextCursor is returned on
// both, so a client can switch to keyset paging at any point.
func (h feedHandlers) list(w http.ResponseWriter, r *http.Request) {
	kind, err := feedKindParam(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	after, err := decodeFeedCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	page := 1
	if after == nil {
		if page, err = feedPageParam(r); err != nil {
			h.s.writeError(w, r, err)
			return
		}
	}
	if after == nil && page == 1 {
		h.cachedFirstPage(w, r, kind)
		return
	}
	rows, err := h.s.Store.PublicFeedRows(r.Context(), kind, after, (page-1)*feedsPerPage, feedsPerPage+1, userID(r))
	h.s.writeFeedPage(w, r, rows, err, true)
}

// cachedFirstPage serves the first page of a kind from the hot cache.
func (h feedHandlers) cachedFirstPage(w http.ResponseWriter, r *http.Request, kind string) {
	e, err := h.s.hot.feedPages.Get(r.Context(), kind)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	h.s.serveFeeds(w, r, e.Value.Feeds, func() { hotcache.ServeBytes(w, r, e) }, func(fs []view.Feed) view.Appender {
		p := e.Value
		p.Feeds = fs
		return &p
	})
}

func (h feedHandlers) featured(w http.ResponseWriter, r *http.Request) {
	e, err := h.s.hot.featured.Get(r.Context(), "")
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	h.s.serveFeeds(w, r, e.Value.Feeds, func() { hotcache.ServeBytes(w, r, e) }, func(fs []view.Feed) view.Appender {
		return &view.FeedList{Feeds: fs}
	})
}

// visibleFeed reads the post named by a path parameter with its joins for
// the viewer; hidden posts are 404 to everyone but their owner.
func (s *Server) visibleFeed(r *http.Request, param string) (store.FeedRow, error) {
	id, err := pathUUID(r, param)
	if err != nil {
		return store.FeedRow{}, err
	}
	row, err := s.Store.FeedRowByID(r.Context(), id, userID(r))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !row.Public && row.UserID != userID(r)) {
		return store.FeedRow{}, apperr.NotFoundf("post not found")
	}
	return row, err
}

func (h feedHandlers) get(w http.ResponseWriter, r *http.Request) {
	row, err := h.s.visibleFeed(r, "id")
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	v := h.s.Views.Feed(&row, userID(r))
	writeJSON(w, http.StatusOK, &v)
}

func (h feedHandlers) delete(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id")
	if err == nil {
		err = h.s.Publish.Delete(r.Context(), userID(r), id)
	}
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	h.s.invalidate(r.Context(), hotcache.TopicFeed)
	writeJSON(w, http.StatusOK, okBody)
}
