package httpapi

import (
	"errors"
	"net/http"
	"slices"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/view"
)

// rewindHandlers serves /rewind: the history behind public posts. Threads
// flagged nsfw are only shown to their owner.
type rewindHandlers struct{ s *Server }

func rewindHidden(t store.Thread, viewerID string) bool {
	return slices.Contains(t.Flags, store.FlagNSFW) && t.UserID != viewerID
}

// check answers whether the thread behind an image has versions; unknown
// images and nsfw threads of other users answer false (never 404, so the
// answer says nothing about ids the viewer may not know).
func (h rewindHandlers) check(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("originImageId")
	if !fileIDPattern.MatchString(id) {
		h.s.writeError(w, r, apperr.Invalidf("originImageId: must be an image id"))
		return
	}
	t, has, err := h.s.Store.ImageThread(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		has, err = false, nil
	}
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view.HasVersions{HasVersions: has && !rewindHidden(t, userID(r))})
}

// postThread resolves the thread behind a visible post: 404 for missing or
// hidden posts, 403 for another user's nsfw thread. The thread is nil when
// the post has none (an upload) or it was deleted since.
func (h rewindHandlers) postThread(r *http.Request) (store.FeedRow, *store.Thread, error) {
	f, err := h.s.visibleFeed(r, "feedId")
	if err != nil || f.ThreadID == "" {
		return f, nil, err
	}
	t, err := h.s.Store.RewindThread(r.Context(), f.ThreadID)
	if errors.Is(err, store.ErrNotFound) {
		return f, nil, nil
	}
	if err != nil {
		return f, nil, err
	}
	if rewindHidden(t, userID(r)) {
		return f, nil, apperr.New(apperr.Forbidden, "this conversation is not public")
	}
	return f, &t, nil
}

// versions answers the versions of the thread's turns up to and including
// the one that produced the post: the same cut as messages, so later turns
// stay private; none when that message is unknown.
func (h rewindHandlers) versions(w http.ResponseWriter, r *http.Request) {
	f, t, err := h.postThread(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	out := []view.Version{}
	if t != nil && f.MessageID != "" {
		vs, err := h.s.Store.ListVersionsThrough(r.Context(), t.ID, f.MessageID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			h.s.writeError(w, r, err)
			return
		}
		out = h.s.Views.Versions(vs)
	}
	writeJSON(w, http.StatusOK, out)
}

// messages answers the thread's messages up to and including the one that
// produced the post. When that message is unknown (gone, or the post came
// from outside a conversation) nothing is shown rather than the whole
// thread, which may go on well past the post.
func (h rewindHandlers) messages(w http.ResponseWriter, r *http.Request) {
	f, t, err := h.postThread(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	var rows []store.Message
	if t != nil && f.MessageID != "" {
		rows, err = h.s.Store.ListMessagesThrough(r.Context(), t.ID, f.MessageID)
		if errors.Is(err, store.ErrNotFound) {
			rows, err = nil, nil
		}
		if err != nil {
			h.s.writeError(w, r, err)
			return
		}
	}
	messageHandlers(h).respond(w, r, rows, nil)
}
