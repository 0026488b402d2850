package httpapi

import (
	"net/http"
	"time"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/view"
)

// timelineHandlers serves GET /thread/timelines.
type timelineHandlers struct{ s *Server }

// timelinesPerPage is fixed by API.md §3.2.
const timelinesPerPage = 5

func (h timelineHandlers) list(w http.ResponseWriter, r *http.Request) {
	before, err := parseTimelineCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	page, err := h.s.Store.ListTimelines(r.Context(), userID(r), before, timelinesPerPage)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	out := view.TimelinePage{Timelines: make([]view.Timeline, 0, len(page.Timelines)), HasMore: page.HasMore}
	for _, tl := range page.Timelines {
		out.Timelines = append(out.Timelines, h.s.Views.Timeline(tl))
	}
	writeJSON(w, http.StatusOK, out)
}

// parseTimelineCursor reads ?cursor=, the createdAt of the last thread of
// the previous page. Any RFC 3339 time is accepted (the API prints
// milliseconds; finer precision is honoured as given).
func parseTimelineCursor(raw string) (*time.Time, error) {
	if raw == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return nil, apperr.Invalidf("cursor: must be the createdAt of a timeline (RFC 3339, e.g. 2026-11-27T05:31:56.123Z)")
	}
	t = t.UTC()
	return &t, nil
}
