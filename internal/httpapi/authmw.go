package httpapi

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"sync"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/auth"
	"github.com/kira-art/kira/internal/httpapi/middleware"
)

type viewerKey struct{}

// viewer is the authenticated caller of a request.
type viewer struct {
	UserID string
	Email  string
}

func viewerFrom(ctx context.Context) (viewer, bool) {
	v, ok := ctx.Value(viewerKey{}).(viewer)
	return v, ok
}

// userID is the caller of a required-auth route (always set there).
func userID(r *http.Request) string {
	v, _ := viewerFrom(r.Context())
	return v.UserID
}

var errUnauthorized = apperr.New(apperr.Unauthorized, "Unauthorized")

// requireAuth answers 401 unless the bearer token is valid. The caller's
// profile is created on first sight (lazy sign-up) before the handler runs.
func (s *Server) requireAuth(next http.HandlerFunc) guarded {
	return guarded{AuthRequired, func(w http.ResponseWriter, r *http.Request) {
		claims, err := s.verifyRequest(r)
		if err != nil {
			s.log.DebugContext(r.Context(), "token rejected", "err", err)
			s.writeError(w, r, errUnauthorized)
			return
		}
		if err := s.ensureProfile(r.Context(), claims); err != nil {
			s.writeError(w, r, err)
			return
		}
		next(w, s.withViewer(r, claims))
	}}
}

// optionalAuth identifies the viewer when the token is valid and treats a
// missing or invalid token as anonymous (never 401).
func (s *Server) optionalAuth(next http.HandlerFunc) guarded {
	return guarded{AuthOptional, func(w http.ResponseWriter, r *http.Request) {
		claims, err := s.verifyRequest(r)
		if err == nil && s.ensureProfile(r.Context(), claims) == nil {
			r = s.withViewer(r, claims)
		}
		next(w, r)
	}}
}

// requirePassword guards server-to-server routes with ?password=. With no
// ADMIN_PASSWORD configured these routes are closed, never open.
func (s *Server) requirePassword(next http.HandlerFunc) guarded {
	return guarded{AuthPassword, func(w http.ResponseWriter, r *http.Request) {
		want := s.Config.AdminPassword
		got := r.URL.Query().Get("password")
		if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			s.writeError(w, r, errUnauthorized)
			return
		}
		next(w, r)
	}}
}

// requireBasic guards the operator's browser pages (the River UI) with
// HTTP Basic: any user name, ADMIN_PASSWORD as the password. A browser
// asks once and then sends it with every request under the path, which a
// ?password= in the page's own URL could not do for the page's API calls.
// With no ADMIN_PASSWORD the router does not register such pages at all.
func (s *Server) requireBasic(next http.HandlerFunc) guarded {
	return guarded{AuthBasic, func(w http.ResponseWriter, r *http.Request) {
		want := s.Config.AdminPassword
		_, got, ok := r.BasicAuth()
		if !ok || want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="kira operator", charset="UTF-8"`)
			s.writeError(w, r, errUnauthorized)
			return
		}
		next(w, r)
	}}
}

func (s *Server) verifyRequest(r *http.Request) (auth.Claims, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return auth.Claims{}, auth.ErrInvalidToken
	}
	return s.Verifier.Verify(r.Context(), strings.TrimSpace(token))
}

func (s *Server) withViewer(r *http.Request, c auth.Claims) *http.Request {
	middleware.SetUserID(r.Context(), c.UserID)
	return r.WithContext(context.WithValue(r.Context(), viewerKey{}, viewer{UserID: c.UserID, Email: c.Email}))
}

// profileCache remembers users whose profile row exists, so the lazy
// sign-up costs one query per user per process rather than per request.
type profileCache struct {
	mu   sync.Mutex
	seen map[string]struct{}
}

const profileCacheMax = 100_000

func (c *profileCache) has(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.seen[id]
	return ok
}

func (c *profileCache) add(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil || len(c.seen) >= profileCacheMax {
		c.seen = make(map[string]struct{}) // crude bound: start over
	}
	c.seen[id] = struct{}{}
}

func (s *Server) ensureProfile(ctx context.Context, c auth.Claims) error {
	if s.profiles.has(c.UserID) {
		return nil
	}
	if _, _, err := s.Store.EnsureProfile(ctx, c.UserID, c.Email); err != nil {
		return apperr.Wrap(err, "ensure profile")
	}
	s.profiles.add(c.UserID)
	return nil
}
