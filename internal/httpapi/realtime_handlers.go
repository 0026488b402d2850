package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/kira-art/kira/internal/apperr"
)

// TokenMinter mints connection tokens of an external Centrifugo.
type TokenMinter interface {
	Mint(userID string) (token string, expiresAt time.Time, err error)
}

// realtimeHandlers serve the realtime endpoints (STREAMING.md §6): the
// embedded node's websocket, or the external Centrifugo's tokens.
type realtimeHandlers struct{ s *Server }

var errNoRealtime = apperr.NotFoundf("not found")

// websocket hands an upgrade to the embedded Centrifuge node, which reads
// and checks the user JWT from the protocol's connect command.
func (h realtimeHandlers) websocket(w http.ResponseWriter, r *http.Request) {
	if h.s.Realtime == nil {
		h.s.writeError(w, r, errNoRealtime)
		return
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		h.s.writeError(w, r, apperr.Invalidf("a websocket upgrade is required"))
		return
	}
	h.s.Realtime.ServeHTTP(w, r)
}

// realtimeToken is GET /realtime/token's answer.
type realtimeToken struct {
	Token string `json:"token"`
}

// token mints a Centrifugo connection token for the caller (external
// realtime mode only).
func (h realtimeHandlers) token(w http.ResponseWriter, r *http.Request) {
	if h.s.RealtimeTokens == nil {
		h.s.writeError(w, r, errNoRealtime)
		return
	}
	tok, _, err := h.s.RealtimeTokens.Mint(userID(r))
	if err != nil {
		h.s.writeError(w, r, apperr.Wrap(err, "mint realtime token"))
		return
	}
	writeJSON(w, http.StatusOK, realtimeToken{Token: tok})
}
