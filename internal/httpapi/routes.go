package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// Auth is how a route identifies its caller.
type Auth string

// The auth kinds of the route table, one per wrapper in authmw.go.
const (
	AuthNone     Auth = "none"     // public (or its own auth, e.g. a signed token in the URL)
	AuthRequired Auth = "required" // requireAuth: a valid JWT or 401
	AuthOptional Auth = "optional" // optionalAuth: JWT when sent, anonymous otherwise
	AuthPassword Auth = "password" // requirePassword: ?password=ADMIN_PASSWORD
	AuthBasic    Auth = "basic"    // requireBasic: HTTP Basic with ADMIN_PASSWORD (browser pages)
)

// Route is one registered route: "GET", "/feed/{id}", AuthOptional. The
// catch-all has an empty Method and the pattern "/".
type Route struct {
	Method, Pattern string
	Auth            Auth
}

// guarded is a handler behind one of the auth wrappers. It carries its
// auth kind so the route recorder can list it; it serves as the wrapped
// handler does.
type guarded struct {
	auth Auth
	h    http.HandlerFunc
}

func (g guarded) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.h(w, r) }

// routeMux is the ServeMux that Handler registers on, recording every
// pattern with its auth kind so the route table can be read (Routes) —
// the security suite walks it, so a new route without a case fails there.
// Its HandleFunc keeps ServeMux's call shape; h is a plain handler func
// (no auth) or what requireAuth/optionalAuth/requirePassword return.
type routeMux struct {
	*http.ServeMux
	list []Route
}

func newRouteMux() *routeMux { return &routeMux{ServeMux: http.NewServeMux()} }

// HandleFunc registers h for pattern. h is deliberately untyped: a
// func(w, r), an http.HandlerFunc or a guarded handler; anything else is a
// programming error found by the first test that builds the router.
func (m *routeMux) HandleFunc(pattern string, h any) {
	switch h := h.(type) {
	case guarded:
		m.Handle(pattern, h)
	case http.HandlerFunc:
		m.Handle(pattern, h)
	case func(http.ResponseWriter, *http.Request):
		m.Handle(pattern, http.HandlerFunc(h))
	default:
		panic(fmt.Sprintf("httpapi: route %q: unsupported handler %T", pattern, h))
	}
}

// Handle registers h for pattern and records the route.
func (m *routeMux) Handle(pattern string, h http.Handler) {
	auth := AuthNone
	if g, ok := h.(guarded); ok {
		auth = g.auth
	}
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "", pattern
	}
	m.list = append(m.list, Route{Method: method, Pattern: path, Auth: auth})
	m.ServeMux.Handle(pattern, h)
}

// routeTable holds the routes of the last Handler built.
type routeTable struct {
	mu   sync.Mutex
	list []Route
}

// Routes lists every route the last Handler call registered (nil before
// the first), in registration order; a trailing-slash route appears twice,
// as "/x/{$}" and "/x" (see slash).
func (s *Server) Routes() []Route {
	s.routes.mu.Lock()
	defer s.routes.mu.Unlock()
	return append([]Route(nil), s.routes.list...)
}

func (s *Server) recordRoutes(m *routeMux) {
	s.routes.mu.Lock()
	defer s.routes.mu.Unlock()
	s.routes.list = m.list
}
