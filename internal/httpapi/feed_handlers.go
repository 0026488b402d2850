package httpapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/publish"
	"github.com/kira-art/kira/internal/store"
)

const (
	feedsPerPage = 20
	// feedMaxPage bounds ?page=: OFFSET makes the database walk every
	// skipped row, so deep scrolling must use ?cursor= instead.
	feedMaxPage     = 500
	featuredFeedMax = 50
)

// feedHandlers serves /feed.
type feedHandlers struct {
	s   *Server
	pub *publish.Service
}

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

// pageOf trims a page read with one extra row and reports whether there
// are more.
func pageOf(feeds []store.Feed) ([]store.Feed, bool) {
	if len(feeds) > feedsPerPage {
		return feeds[:feedsPerPage], true
	}
	return feeds, false
}

// writeFeedPage renders a page of posts for the viewer.
func (s *Server) writeFeedPage(w http.ResponseWriter, r *http.Request, feeds []store.Feed, err error, withCursor bool) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	feeds, more := pageOf(feeds)
	views, err := s.renderFeeds(r.Context(), feeds, userID(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := feedPageView{Feeds: views, HasMore: more}
	if more && withCursor {
		out.NextCursor = feedCursorOf(feeds[len(feeds)-1])
	}
	writeJSON(w, http.StatusOK, out)
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
	feeds, err := h.s.Store.ListPublicFeeds(r.Context(), kind, after, (page-1)*feedsPerPage, feedsPerPage+1)
	h.s.writeFeedPage(w, r, feeds, err, true)
}

func (h feedHandlers) featured(w http.ResponseWriter, r *http.Request) {
	feeds, err := h.s.Store.ListFeaturedFeeds(r.Context(), featuredFeedMax)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	views, err := h.s.renderFeeds(r.Context(), feeds, userID(r))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"feeds": views})
}

// visibleFeed reads the post named by a path parameter; hidden posts are
// 404 to everyone but their owner.
func (s *Server) visibleFeed(r *http.Request, param string) (store.Feed, error) {
	id, err := pathUUID(r, param)
	if err != nil {
		return store.Feed{}, err
	}
	f, err := s.Store.GetFeed(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !f.Public && f.UserID != userID(r)) {
		return store.Feed{}, apperr.NotFoundf("post not found")
	}
	return f, err
}

func (h feedHandlers) get(w http.ResponseWriter, r *http.Request) {
	f, err := h.s.visibleFeed(r, "id")
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	v, err := h.s.renderFeed(r.Context(), f, userID(r))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (h feedHandlers) delete(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id")
	if err == nil {
		err = h.pub.Delete(r.Context(), userID(r), id)
	}
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}
