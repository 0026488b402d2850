package httpapi

import (
	"net/http"

	"github.com/kira-art/kira/internal/hotcache"
)

const (
	sitemapMaxUsers = 10_000
	// sitemapMaxFeeds is the sitemap protocol's limit of URLs per file.
	sitemapMaxFeeds = 50_000
)

// sitemapHandlers serves /sitemap for the web front's sitemap generator.
type sitemapHandlers struct{ s *Server }

func (h sitemapHandlers) users(w http.ResponseWriter, r *http.Request) { h.write(w, r, "users") }

func (h sitemapHandlers) feeds(w http.ResponseWriter, r *http.Request) { h.write(w, r, "feeds") }

// write answers {users|feeds: [{id, updatedAt}]} from the hot cache,
// cacheable downstream for an hour: crawlers and the front fetch it often
// and it changes slowly.
func (h sitemapHandlers) write(w http.ResponseWriter, r *http.Request, key string) {
	e, err := h.s.hot.sitemap.Get(r.Context(), key)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	hotcache.ServeBytes(w, r, e)
}
