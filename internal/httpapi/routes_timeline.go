package httpapi

import (
	"net/http"
	"time"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/store"
)

// routesTimeline registers the timeline route group.
func (s *Server) routesTimeline(mux *http.ServeMux) {
	mux.HandleFunc("GET /thread/timelines", s.requireAuth(timelineHandlers{s}.list))
}

// timelineHandlers serves GET /thread/timelines.
type timelineHandlers struct{ s *Server }

// timelinesPerPage is fixed by API.md §3.2.
const timelinesPerPage = 5

// timelineView is one thread's media (API.md §3.2). id repeats threadId
// because clients read either.
type timelineView struct {
	ID         string           `json:"id"`
	ResourceID string           `json:"resourceId"`
	ThreadID   string           `json:"threadId"`
	Title      string           `json:"title"`
	CreatedAt  string           `json:"createdAt"`
	MediaItems []mediaItemView  `json:"mediaItems"`
	Images     []imageView      `json:"images"`
	Videos     []map[string]any `json:"videos"`
	Audios     []map[string]any `json:"audios"`
}

// mediaItemView is one entry of mediaItems: {type, data}.
type mediaItemView struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

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
	views := make([]timelineView, 0, len(page.Timelines))
	for _, tl := range page.Timelines {
		views = append(views, h.s.timelineOf(tl))
	}
	writeJSON(w, http.StatusOK, map[string]any{"timelines": views, "hasMore": page.HasMore})
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

// timelineOf renders a timeline. Every URL is signed here from rows the
// store loaded for the whole page at once; signing is local computation
// (HMAC or an S3 presign), so the page costs no per-item round trip.
func (s *Server) timelineOf(tl store.Timeline) timelineView {
	v := timelineView{ID: tl.Thread.ID, ResourceID: tl.Thread.UserID, ThreadID: tl.Thread.ID, Title: tl.Thread.Title,
		CreatedAt: apiTime(tl.Thread.CreatedAt), MediaItems: []mediaItemView{}, Images: []imageView{},
		Videos: []map[string]any{}, Audios: []map[string]any{}}
	for _, it := range tl.Items {
		switch it.Kind {
		case "image":
			img := s.imageOf(*it.Image.File, it.Image.Data)
			v.Images = append(v.Images, img)
			v.MediaItems = append(v.MediaItems, mediaItemView{Type: "image", Data: img})
		case "video":
			m := s.timelineTaskView(it, "thumbUrl")
			v.Videos = append(v.Videos, m)
			v.MediaItems = append(v.MediaItems, mediaItemView{Type: "video", Data: m})
		case "audio":
			m := s.timelineTaskView(it, "coverUrl")
			v.Audios = append(v.Audios, m)
			v.MediaItems = append(v.MediaItems, mediaItemView{Type: "audio", Data: m})
		}
	}
	return v
}

// timelineTaskView is a completed task with the signed URLs of its result
// and of its thumbnail (video) or cover (audio), named by thumbField.
func (s *Server) timelineTaskView(it store.TimelineItem, thumbField string) map[string]any {
	m := s.mediaTaskView(*it.Task)
	if _, ok := m["url"]; !ok && it.Result != nil {
		m["url"] = s.fileURL(it.Result.StorageKey)
	}
	if _, ok := m[thumbField]; !ok && it.Thumb != nil {
		m[thumbField] = s.fileURL(it.Thumb.StorageKey)
	}
	return m
}
