package httpapi

import (
	"net/http"

	"github.com/kira-art/kira/internal/view"
)

const (
	sitemapMaxUsers = 10_000
	// sitemapMaxFeeds is the sitemap protocol's limit of URLs per file.
	sitemapMaxFeeds = 50_000
)

// sitemapHandlers serves /sitemap for the web front's sitemap generator.
type sitemapHandlers struct{ s *Server }

func (h sitemapHandlers) users(w http.ResponseWriter, r *http.Request) {
	es, err := h.s.Store.SitemapUsers(r.Context(), sitemapMaxUsers)
	h.write(w, r, func() any { return view.SitemapUsers{Users: view.SitemapEntries(es)} }, err)
}

func (h sitemapHandlers) feeds(w http.ResponseWriter, r *http.Request) {
	es, err := h.s.Store.SitemapFeeds(r.Context(), sitemapMaxFeeds)
	h.write(w, r, func() any { return view.SitemapFeeds{Feeds: view.SitemapEntries(es)} }, err)
}

// write answers {users|feeds: [{id, updatedAt}]}, cacheable for an hour:
// crawlers and the front fetch it often and it changes slowly.
func (h sitemapHandlers) write(w http.ResponseWriter, r *http.Request, body func() any, err error) {
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, body())
}
