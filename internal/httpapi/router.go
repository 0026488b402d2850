package httpapi

import (
	"net/http"

	"github.com/kira-art/kira/internal/auth"
	"github.com/kira-art/kira/internal/httpapi/middleware"
)

// Handler returns the whole API: every route of the server is registered
// in this function, so it is the one place to read what exists.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	sys := systemHandlers{s}
	mux.HandleFunc("GET /health", sys.health)
	mux.HandleFunc("GET /ready", sys.ready)
	mux.Handle("GET /metrics", sys.metrics())
	mux.HandleFunc("GET /openapi.yaml", sys.openapi)
	if s.DevKey != nil {
		mux.Handle("GET /.well-known/jwks.json", auth.JWKSHandler(s.DevKey))
	}

	prof := profileHandlers{s}
	mux.HandleFunc("GET /user/profile", s.requireAuth(prof.get))
	mux.HandleFunc("PUT /user/profile", s.requireAuth(prof.put))

	th := threadHandlers{s}
	slash(mux, "POST /thread/", s.requireAuth(th.create))
	mux.HandleFunc("GET /thread/threads", s.requireAuth(th.list))
	mux.HandleFunc("PATCH /thread/{threadId}", s.requireAuth(th.rename))
	mux.HandleFunc("DELETE /thread/{threadId}", s.requireAuth(th.delete))

	msg := messageHandlers{s}
	mux.HandleFunc("GET /agent/chatMessages/{threadId}", s.requireAuth(msg.list))
	mux.HandleFunc("POST /agent/chatMessage/{threadId}", s.requireAuth(msg.save))
	mux.HandleFunc("GET /agent/rewind/{threadId}/{messageId}", s.requireAuth(msg.rewind))
	ag := agentHandlers{s}
	mux.HandleFunc("POST /agent/streaming", s.requireAuth(ag.streaming))
	mux.HandleFunc("GET /agent/stream/{threadId}", s.requireAuth(ag.reconnect))
	mux.HandleFunc("GET /agent/task/{threadId}/status", s.requireAuth(ag.status))
	mux.HandleFunc("POST /agent/task/{threadId}/stop", s.requireAuth(ag.stop))
	mux.HandleFunc("POST /agent/task", s.requireAuth(ag.saveTask))
	mux.HandleFunc("GET /version/versions/{threadId}", s.requireAuth(versionHandlers{s}.list))

	s.routesFiles(mux)    // routes_files.go: /upload, /image, /images, /files
	s.routesFeed(mux)     // routes_feed.go: /publish, /feed, /like, /rewind, /user/{id}/…, /sitemap
	s.routesContent(mux)  // routes_content.go: /filter, /op, /user/authBg, /reward, /support/hash, /user/referral-info
	s.routesTimeline(mux) // routes_timeline.go: /thread/timelines

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errRouteNotFound)
	})

	metrics := middleware.NewMetrics(s.Registry)
	return middleware.Chain(metrics.Middleware(s.guardText(mux)),
		middleware.RequestID,
		middleware.AccessLog(s.log),
		middleware.Recover(s.log),
		middleware.CORS(middleware.CORSConfig{AllowAnyOrigin: s.Config.Dev(), Origins: s.Config.AllowedOrigins()}),
		middleware.BodyLimit(s.Config.MaxBodyBytes, "/upload"),
	)
}

// slash registers a route written with a trailing slash (API.md §0) so it
// answers with and without the slash and matches only that exact path.
func slash(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	mux.HandleFunc(pattern+"{$}", h)
	mux.HandleFunc(pattern[:len(pattern)-1], h)
}
