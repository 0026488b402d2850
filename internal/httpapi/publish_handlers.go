package httpapi

import (
	"net/http"

	"github.com/kira-art/kira/internal/analytics"
	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/hotcache"
	"github.com/kira-art/kira/internal/store"
)

// publishHandlers serves /publish: the bodies name the caller's own image
// or task by id; everything else is read from the caller's records.
type publishHandlers struct{ s *Server }

func (h publishHandlers) image(w http.ResponseWriter, r *http.Request) {
	id, err := decodeImageIDBody(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	f, err := h.s.Publish.Image(r.Context(), userID(r), id)
	h.respond(w, r, f, err)
}

// publishTaskBody is {video: {taskId, …}} or {audio: {taskId, …}}; the
// other fields of the entry are ignored.
type publishTaskBody struct {
	Video *struct {
		TaskID *string `json:"taskId"`
	} `json:"video"`
	Audio *struct {
		TaskID *string `json:"taskId"`
	} `json:"audio"`
}

func (h publishHandlers) task(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body publishTaskBody
		if err := decodeJSON(r, &body); err != nil {
			h.s.writeError(w, r, err)
			return
		}
		var raw *string
		switch {
		case kind == store.MediaVideo && body.Video != nil:
			raw = body.Video.TaskID
		case kind == store.MediaAudio && body.Audio != nil:
			raw = body.Audio.TaskID
		}
		if raw == nil {
			h.s.writeError(w, r, apperr.Invalidf("%s.taskId: is required", kind))
			return
		}
		id, err := parseUUID(kind+".taskId", *raw)
		if err != nil {
			h.s.writeError(w, r, err)
			return
		}
		f, err := h.s.Publish.Task(r.Context(), userID(r), kind, id)
		h.respond(w, r, f, err)
	}
}

// respond renders the new post for its owner (flags included).
func (h publishHandlers) respond(w http.ResponseWriter, r *http.Request, f store.Feed, err error) {
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	h.s.invalidate(r.Context(), hotcache.TopicFeed)
	h.s.Events.Capture(f.UserID, analytics.FeedPublished, map[string]any{"feed_id": f.ID, "media_kind": f.MediaKind, "public": f.Public})
	v, err := h.s.renderFeed(r.Context(), f.ID, userID(r))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
