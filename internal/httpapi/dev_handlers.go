package httpapi

import (
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/view"
)

// devHandlers serves /dev/*: sign-in, plan switch and credit grants for
// the playground and local trials. The router registers them only when
// Config.DevTools holds (development mode, no JWKS URL); anywhere else the
// paths are the catch-all 404. They call what `kira token`, `kira plan`
// and `kira credits` call: DevKey.Mint, Store.SetPlan, Store.AddCredits.
type devHandlers struct{ s *Server }

// Development token lifetimes: a day by default, a week at most; a short
// one lets a client try what an expired token does.
const (
	devTokenTTL    = 24 * time.Hour
	devTokenMaxTTL = 7 * 24 * time.Hour
	devCreditGrant = 100
)

type devTokenRequest struct {
	UserID     string `json:"userId"`     // empty = a new random user
	Email      string `json:"email"`      // optional email claim
	TTLSeconds int    `json:"ttlSeconds"` // 0 = devTokenTTL
}

// token answers POST /dev/token with a token for the chosen or a random
// user id. Anyone who can reach a development server may sign in as
// anyone: that is what the local key is for.
func (h devHandlers) token(w http.ResponseWriter, r *http.Request) {
	var b devTokenRequest
	if err := decodeJSON(r, &b); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	if b.UserID == "" {
		b.UserID = uuid.NewString()
	}
	id, err := uuid.Parse(b.UserID)
	if err != nil || len(b.UserID) != 36 {
		h.s.writeError(w, r, apperr.Invalidf("userId must be a UUID"))
		return
	}
	ttl := time.Duration(b.TTLSeconds) * time.Second
	if b.TTLSeconds == 0 {
		ttl = devTokenTTL
	}
	if ttl <= 0 || ttl > devTokenMaxTTL {
		h.s.writeError(w, r, apperr.Invalidf("ttlSeconds must be between 1 and %d", int(devTokenMaxTTL.Seconds())))
		return
	}
	tok, err := h.s.DevKey.Mint(id.String(), b.Email, ttl, h.s.Config.JWTIssuer)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view.DevToken{Token: tok, UserID: id.String(), ExpiresAt: view.Time(time.Now().Add(ttl))})
}

// plan answers PUT /dev/plan {"plan"}: the caller's own plan, nobody
// else's (the body names no user).
func (h devHandlers) plan(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Plan string `json:"plan"`
	}
	if err := decodeJSON(r, &b); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	if !slices.Contains(store.Plans, b.Plan) {
		h.s.writeError(w, r, apperr.Invalidf("plan must be one of %v", store.Plans))
		return
	}
	if err := h.s.Store.SetPlan(r.Context(), userID(r), b.Plan); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	h.profile(w, r)
}

// credits answers POST /dev/credits: 100 addon credits for the caller,
// through the ledger like any grant.
func (h devHandlers) credits(w http.ResponseWriter, r *http.Request) {
	if _, _, err := h.s.Store.AddCredits(r.Context(), userID(r), devCreditGrant, "development grant"); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	h.profile(w, r)
}

// profile answers with the caller's profile as GET /user/profile does.
func (h devHandlers) profile(w http.ResponseWriter, r *http.Request) {
	profileHandlers(h).get(w, r)
}
