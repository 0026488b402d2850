package httpapi

import (
	"context"
	"net/http"

	"github.com/kira-art/kira/internal/hotcache"
	"github.com/kira-art/kira/internal/view"
)

// featuredHandlers serves PUT/DELETE /feed/{id}/featured: the operator's
// way (besides `kira feature`) to choose what GET /feed/featured shows.
type featuredHandlers struct{ s *Server }

func (h featuredHandlers) put(w http.ResponseWriter, r *http.Request)    { h.set(w, r, true) }
func (h featuredHandlers) delete(w http.ResponseWriter, r *http.Request) { h.set(w, r, false) }

// set marks or unmarks the post. A hidden post may be featured: the
// featured list shows public posts only, so it appears once unhidden.
func (h featuredHandlers) set(w http.ResponseWriter, r *http.Request, on bool) {
	id, err := pathUUID(r, "id")
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	if err := h.s.Store.SetFeedFeatured(r.Context(), id, on); err != nil {
		h.s.writeError(w, r, notFoundAs(err, "post not found"))
		return
	}
	h.s.invalidate(r.Context(), hotcache.TopicFeatured)
	writeJSON(w, http.StatusOK, view.Featured{ID: id, Featured: on})
}

// invalidate announces a committed change to the hot-read caches (nil
// Cache: no cache). A failed announcement is not the writer's failure:
// the Notifier has logged it and other instances fall back to max age.
func (s *Server) invalidate(ctx context.Context, topics ...string) {
	if s.Cache != nil {
		_ = s.Cache.Invalidate(ctx, topics...)
	}
}
