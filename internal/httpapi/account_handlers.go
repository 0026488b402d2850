package httpapi

import (
	"context"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/kira-art/kira/internal/accounts"
	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/view"
)

// accountHandlers serves account deletion: the user's request, status and
// cancel (API.md §3.9) and the operator's immediate DELETE /user/ (§3.4).
type accountHandlers struct{ s *Server }

// Reason limits: the reason is a short code or label chosen in the app,
// the text a free-form note; both only stored, never shown to others.
const (
	maxDeletionReason     = 100
	maxDeletionReasonText = 2000
)

// deletionRequest is the body of POST /support/delete-account.
type deletionRequest struct {
	Reason     *string `json:"reason"`
	ReasonText *string `json:"reasonText"`
}

// decodeDeletionRequest reads and checks the body: reason is required and
// non-blank, both fields are strings within their limits.
func decodeDeletionRequest(r *http.Request) (reason, text string, err error) {
	var req deletionRequest
	if err := decodeJSON(r, &req); err != nil {
		return "", "", err
	}
	if req.Reason == nil || strings.TrimSpace(*req.Reason) == "" {
		return "", "", apperr.Invalidf("reason: required")
	}
	reason = strings.TrimSpace(*req.Reason)
	if utf8.RuneCountInString(reason) > maxDeletionReason {
		return "", "", apperr.Invalidf("reason: at most %d characters", maxDeletionReason)
	}
	if req.ReasonText != nil {
		text = strings.TrimSpace(*req.ReasonText)
	}
	if utf8.RuneCountInString(text) > maxDeletionReasonText {
		return "", "", apperr.Invalidf("reasonText: at most %d characters", maxDeletionReasonText)
	}
	return reason, text, nil
}

func (h accountHandlers) schedule(w http.ResponseWriter, r *http.Request) {
	reason, text, err := decodeDeletionRequest(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	if _, err := h.s.Accounts.Schedule(r.Context(), userID(r), reason, text); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}

func (h accountHandlers) status(w http.ResponseWriter, r *http.Request) {
	st, err := h.s.Accounts.Status(r.Context(), userID(r))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view.Deletion(st.Scheduled, st.DeletionDate))
}

func (h accountHandlers) cancel(w http.ResponseWriter, r *http.Request) {
	if err := h.s.Accounts.Cancel(r.Context(), userID(r)); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}

// deleteNow answers DELETE /user/?userId= (password-guarded): the hard
// delete runs in the request. It outlives an impatient client, since a
// half-stopped delete would only be retried. Unknown users are ok.
func (h accountHandlers) deleteNow(w http.ResponseWriter, r *http.Request) {
	id, err := parseUUID("userId", r.URL.Query().Get("userId"))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	if _, err := h.s.Accounts.HardDelete(context.WithoutCancel(r.Context()), id); err != nil {
		h.s.writeError(w, r, apperr.Wrap(err, "delete user"))
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}

// watchDeletedProfiles makes every instance forget a deleted profile it
// had seen (accounts.ProfileDeletedTopic), so ensureProfile looks again;
// a lost-messages "everything" resets the whole set.
func (s *Server) watchDeletedProfiles() {
	s.Cache.OnInvalidate(func(topics []string, all bool) {
		if all {
			s.profiles.reset()
			return
		}
		for _, t := range topics {
			if id, ok := accounts.DeletedProfile(t); ok {
				s.profiles.forget(id)
			}
		}
	})
}

func (c *profileCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.seen, id)
}

func (c *profileCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = nil
}
