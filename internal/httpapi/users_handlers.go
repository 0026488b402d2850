package httpapi

import (
	"errors"
	"net/http"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/store"
)

// userPublicHandlers serves the public user routes. /user/profile/{userId}
// and /user/{userId}/feed|liked overlap (/user/profile/feed matches both),
// which ServeMux refuses at start-up, so one GET /user/{a}/{b} pattern
// dispatches on the literal segment instead; GET /user/profile (two
// segments) is a separate pattern and unaffected.
type userPublicHandlers struct{ s *Server }

func (h userPublicHandlers) dispatch(w http.ResponseWriter, r *http.Request) {
	a, b := r.PathValue("a"), r.PathValue("b")
	switch {
	case a == "profile":
		r.SetPathValue("userId", b)
		h.profile(w, r)
	case b == "feed":
		r.SetPathValue("userId", a)
		h.feeds(w, r)
	case b == "liked":
		r.SetPathValue("userId", a)
		h.liked(w, r)
	default:
		h.s.writeError(w, r, errRouteNotFound)
	}
}

var errUserNotFound = apperr.NotFoundf("user not found")

func (h userPublicHandlers) profile(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "userId")
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	p, err := h.s.Store.GetPublicProfile(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && p.Banned) {
		err = errUserNotFound
	}
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.s.Views.PublicProfile(p, h.s.avatarKey(r, p.AvatarImageID)))
}

// listedUser reads the userId parameter of a listing: unknown and banned
// users are 404, except that users always see their own listings.
func (h userPublicHandlers) listedUser(r *http.Request) (string, error) {
	id, err := pathUUID(r, "userId")
	if err != nil {
		return "", err
	}
	p, err := h.s.Store.GetProfile(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && p.Banned && id != userID(r)) {
		return "", errUserNotFound
	}
	return id, err
}

// feeds lists a user's posts; the owner also sees hidden ones (with flag).
func (h userPublicHandlers) feeds(w http.ResponseWriter, r *http.Request) {
	id, err := h.listedUser(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	page, err := feedPageParam(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	rows, err := h.s.Store.UserFeedRows(r.Context(), id, id == userID(r), (page-1)*feedsPerPage, feedsPerPage+1, userID(r))
	h.s.writeFeedPage(w, r, rows, err, false)
}

// liked lists the public posts a user liked, newest like first.
func (h userPublicHandlers) liked(w http.ResponseWriter, r *http.Request) {
	id, err := h.listedUser(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	page, err := feedPageParam(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	rows, err := h.s.Store.LikedFeedRows(r.Context(), id, (page-1)*feedsPerPage, feedsPerPage+1, userID(r))
	h.s.writeFeedPage(w, r, rows, err, false)
}
