package httpapi

import (
	"net/http"

	"github.com/kira-art/kira/internal/store"
)

const (
	sitemapMaxUsers = 10_000
	// sitemapMaxFeeds is the sitemap protocol's limit of URLs per file.
	sitemapMaxFeeds = 50_000
)

// sitemapHandlers serves /sitemap for the web front's sitemap generator.
type sitemapHandlers struct{ s *Server }

type sitemapEntryView struct {
	ID        string `json:"id"`
	UpdatedAt string `json:"updatedAt"`
}

func (h sitemapHandlers) users(w http.ResponseWriter, r *http.Request) {
	es, err := h.s.Store.SitemapUsers(r.Context(), sitemapMaxUsers)
	h.write(w, r, "users", es, err)
}

func (h sitemapHandlers) feeds(w http.ResponseWriter, r *http.Request) {
	es, err := h.s.Store.SitemapFeeds(r.Context(), sitemapMaxFeeds)
	h.write(w, r, "feeds", es, err)
}

// write answers {<key>: [{id, updatedAt}]}, cacheable for an hour: crawlers
// and the front fetch it often and it changes slowly.
func (h sitemapHandlers) write(w http.ResponseWriter, r *http.Request, key string, es []store.SitemapEntry, err error) {
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	out := make([]sitemapEntryView, 0, len(es))
	for _, e := range es {
		out = append(out, sitemapEntryView{ID: e.ID, UpdatedAt: apiTime(e.UpdatedAt)})
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, map[string]any{key: out})
}
