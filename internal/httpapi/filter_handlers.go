package httpapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/kira-art/kira/content"
	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/view"
)

// LoadFilterPresets upserts the presets shipped in content/filters.json
// (API.md §3.6: loaded at start). Presets no longer in the file become
// inactive; favourites of them are kept. The app calls it once at start-up,
// before serving; running it again (or on several instances) is harmless.
func (s *Server) LoadFilterPresets(ctx context.Context) error {
	presets, err := content.FilterPresets()
	if err != nil {
		return fmt.Errorf("filter presets: %w", err)
	}
	filters := make([]store.Filter, len(presets))
	for i, p := range presets {
		filters[i] = store.Filter{ID: p.ID, Name: p.Name, Category: p.Category, Prompt: p.Prompt,
			CoverURL: p.CoverURL, Sort: p.Sort}
	}
	if err := s.Store.UpsertFilters(ctx, filters); err != nil {
		return fmt.Errorf("filter presets: %w", err)
	}
	s.log.Info("filter presets loaded", "count", len(filters))
	return nil
}

// filterHandlers serves /filter.
type filterHandlers struct{ s *Server }

func writeFilters(w http.ResponseWriter, fs []store.Filter) {
	writeJSON(w, http.StatusOK, view.Filters(fs))
}

// list answers GET /filter/preset?category=: active presets by sort, an
// unknown category being simply empty.
func (h filterHandlers) list(w http.ResponseWriter, r *http.Request) {
	fs, err := h.s.Store.ListFilters(r.Context(), userID(r), r.URL.Query().Get("category"))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeFilters(w, fs)
}

// liked answers GET /filter/liked, newest favourite first.
func (h filterHandlers) liked(w http.ResponseWriter, r *http.Request) {
	fs, err := h.s.Store.LikedFilters(r.Context(), userID(r))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeFilters(w, fs)
}

var errUnknownFilter = apperr.NotFoundf("Filter not found")

// like answers POST /filter/like {filterId}; liking twice is a no-op.
func (h filterHandlers) like(w http.ResponseWriter, r *http.Request) {
	var body struct {
		FilterID *string `json:"filterId"`
	}
	if err := decodeJSON(r, &body); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	if body.FilterID == nil || *body.FilterID == "" {
		h.s.writeError(w, r, apperr.Invalidf("filterId: required"))
		return
	}
	if err := h.s.Store.LikeFilter(r.Context(), userID(r), *body.FilterID); err != nil {
		if classify(err).Kind == apperr.NotFound {
			err = errUnknownFilter
		}
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}

// unlike answers DELETE /filter/like/{filterId}; idempotent, so an unknown
// id is also ok.
func (h filterHandlers) unlike(w http.ResponseWriter, r *http.Request) {
	if err := h.s.Store.UnlikeFilter(r.Context(), userID(r), r.PathValue("filterId")); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}
