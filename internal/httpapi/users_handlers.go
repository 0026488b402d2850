package httpapi

import (
	"errors"
	"net/http"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/store"
)

// userPublicHandlers serves the public user routes: a profile and a
// user's posts and likes.
type userPublicHandlers struct{ s *Server }

// list serves GET /user/{userId}/feed and /user/{userId}/liked, the one
// dispatcher the router keeps (see Handler for why); any other last
// segment is an unknown route.
func (h userPublicHandlers) list(w http.ResponseWriter, r *http.Request) {
	switch r.PathValue("list") {
	case "feed":
		h.feeds(w, r)
	case "liked":
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
