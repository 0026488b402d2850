package httpapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/view"
)

// supportHandlers serves GET /support/hash.
type supportHandlers struct{ s *Server }

// supportHash is Front Chat's identity verification: hex HMAC-SHA256 of
// the user id under FRONT_CHAT_SECRET, so the chat widget can trust which
// user it talks to.
func supportHash(secret, userID string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(userID))
	return hex.EncodeToString(mac.Sum(nil))
}

// hash answers GET /support/hash with {email, userHash}. Without a secret
// or an email the widget cannot be identified: 500, as API.md §3.9 says.
// The email is the token's, else the one stored on the profile.
func (h supportHandlers) hash(w http.ResponseWriter, r *http.Request) {
	secret := h.s.Config.FrontChatKey
	if secret == "" {
		h.s.writeError(w, r, apperr.Wrap(errors.New("FRONT_CHAT_SECRET is not set"), "support hash"))
		return
	}
	v, _ := viewerFrom(r.Context())
	email := v.Email
	if email == "" {
		p, err := h.s.Store.GetProfile(r.Context(), v.UserID)
		if err != nil {
			h.s.writeError(w, r, err)
			return
		}
		email = p.Email
	}
	if email == "" {
		h.s.writeError(w, r, apperr.Wrap(errors.New("the user has no email"), "support hash"))
		return
	}
	writeJSON(w, http.StatusOK, view.SupportHash{Email: email, UserHash: supportHash(secret, v.UserID)})
}
