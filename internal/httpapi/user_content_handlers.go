package httpapi

import (
	"net/http"

	"github.com/kira-art/kira/content"
	"github.com/kira-art/kira/internal/view"
)

// userContentHandlers serves GET /user/authBg and GET /user/referral-info.
type userContentHandlers struct {
	s           *Server
	backgrounds []content.AuthBackground // parsed once: the file is part of the binary
}

func (s *Server) newUserContentHandlers() userContentHandlers {
	bgs, err := content.AuthBackgrounds()
	if err != nil {
		// Only a broken build gets here (content tests check the file); the
		// login page then shows its own default instead of failing.
		s.log.Error("login backgrounds unavailable", "err", err)
		bgs = nil
	}
	return userContentHandlers{s: s, backgrounds: bgs}
}

// authBackgrounds answers GET /user/authBg (no auth) with the login-page
// backgrounds of content/auth_backgrounds.json.
func (h userContentHandlers) authBackgrounds(w http.ResponseWriter, r *http.Request) {
	images := h.backgrounds
	if images == nil {
		images = []content.AuthBackground{}
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, view.AuthBackgroundList{Images: images})
}

// referralInfo answers GET /user/referral-info: the caller's code, how
// many profiles were referred by the caller, and the credits the caller's
// ledger holds under reason "referral" (store.LedgerReasonReferral).
func (h userContentHandlers) referralInfo(w http.ResponseWriter, r *http.Request) {
	info, err := h.s.Store.GetReferralInfo(r.Context(), userID(r))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view.Referral{ReferralCode: info.Code, InvitedCount: info.InvitedCount,
		EarnedCredits: info.EarnedCredits})
}
