package httpapi

import (
	"net/http"

	"github.com/kira-art/kira/internal/view"
)

// likeHandlers serves /like.
type likeHandlers struct{ s *Server }

// get answers whether the viewer likes a visible post (false when
// anonymous) and its count.
func (h likeHandlers) get(w http.ResponseWriter, r *http.Request) {
	row, err := h.s.visibleFeed(r, "feedId")
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view.Like{Liked: row.Liked, LikedNumber: row.LikedNumber})
}

// put likes a public post; hidden and missing posts are 404 alike.
func (h likeHandlers) put(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "feedId")
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	n, err := h.s.Store.LikeFeed(r.Context(), id, userID(r))
	if err != nil {
		h.s.writeError(w, r, notFoundAs(err, "post not found"))
		return
	}
	writeJSON(w, http.StatusOK, view.Like{Liked: true, LikedNumber: n})
}

// delete takes a like back; it works on hidden posts too, so a like given
// before a post was hidden can be withdrawn.
func (h likeHandlers) delete(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "feedId")
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	n, err := h.s.Store.UnlikeFeed(r.Context(), id, userID(r))
	if err != nil {
		h.s.writeError(w, r, notFoundAs(err, "post not found"))
		return
	}
	writeJSON(w, http.StatusOK, view.Like{Liked: false, LikedNumber: n})
}
