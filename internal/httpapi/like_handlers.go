package httpapi

import "net/http"

// likeHandlers serves /like.
type likeHandlers struct{ s *Server }

type likeView struct {
	Liked       bool `json:"liked"`
	LikedNumber int  `json:"likedNumber"`
}

// get answers whether the viewer likes a visible post (false when
// anonymous) and its count.
func (h likeHandlers) get(w http.ResponseWriter, r *http.Request) {
	f, err := h.s.visibleFeed(r, "feedId")
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	liked := false
	if uid := userID(r); uid != "" {
		if liked, err = h.s.Store.IsLiked(r.Context(), f.ID, uid); err != nil {
			h.s.writeError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, likeView{Liked: liked, LikedNumber: f.LikedNumber})
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
	writeJSON(w, http.StatusOK, likeView{Liked: true, LikedNumber: n})
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
	writeJSON(w, http.StatusOK, likeView{Liked: false, LikedNumber: n})
}
