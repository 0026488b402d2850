package httpapi

import (
	"net/http"

	"github.com/kira-art/kira/internal/auth"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/httpapi/middleware"
	"github.com/kira-art/kira/internal/store"
)

// Handler returns the whole API. Every route of the server is registered
// in this function — method, path, auth and handler — so it is the one
// place to read what exists. Handlers live in <resource>_handlers.go.
//
// Auth wrappers: requireAuth (JWT, 401 without), optionalAuth (JWT when
// sent: isLiked, owner-only fields), requirePassword (?password=, for
// server-to-server and operator routes), requireBasic (HTTP Basic with the
// admin password, for the operator's browser pages); none = public. limited (inside
// requireAuth) adds the per-user and per-IP rate limits of an expensive
// route group; limitIP in the chain is the loose per-IP limit on all.
func (s *Server) Handler() http.Handler {
	mux := newRouteMux() // a ServeMux that records the route table (routes.go)
	defer s.recordRoutes(mux)
	sys := systemHandlers{s}
	mux.HandleFunc("GET /health", sys.health)
	mux.HandleFunc("GET /ready", sys.ready)
	mux.Handle("GET /metrics", sys.metrics())
	mux.HandleFunc("GET /openapi.yaml", sys.openapi)
	if s.DevKey != nil {
		mux.Handle("GET /.well-known/jwks.json", auth.JWKSHandler(s.DevKey))
	}
	// Development only (Config.DevTools: development mode and no JWKS
	// URL): sign-in, plan switch and credits for the playground. Not
	// registered otherwise, so they are the catch-all 404.
	if s.Config.DevTools() && s.DevKey != nil {
		dev := devHandlers{s}
		mux.HandleFunc("POST /dev/token", dev.token)
		mux.HandleFunc("PUT /dev/plan", s.requireAuth(dev.plan))
		mux.HandleFunc("POST /dev/credits", s.requireAuth(dev.credits))
	}

	// Chat: threads, messages, versions, agent runs (API.md §3.1–3.3).
	th := threadHandlers{s}
	slash(mux, "POST /thread/", s.requireAuth(th.create))
	mux.HandleFunc("GET /thread/threads", s.requireAuth(th.list))
	mux.HandleFunc("GET /thread/timelines", s.requireAuth(timelineHandlers{s}.list))
	mux.HandleFunc("PATCH /thread/{threadId}", s.requireAuth(th.rename))
	mux.HandleFunc("DELETE /thread/{threadId}", s.requireAuth(th.delete))
	msg := messageHandlers{s}
	mux.HandleFunc("GET /agent/chatMessages/{threadId}", s.requireAuth(msg.list))
	mux.HandleFunc("POST /agent/chatMessage/{threadId}", s.requireAuth(msg.save))
	mux.HandleFunc("GET /agent/rewind/{threadId}/{messageId}", s.requireAuth(msg.rewind))
	mux.HandleFunc("GET /version/versions/{threadId}", s.requireAuth(versionHandlers{s}.list))
	ag := agentHandlers{s}
	mux.HandleFunc("POST /agent/streaming", s.requireAuth(s.limited(limitStreaming, ag.streaming)))
	mux.HandleFunc("GET /agent/stream/{threadId}", s.requireAuth(ag.reconnect))
	mux.HandleFunc("GET /agent/task/{threadId}/status", s.requireAuth(ag.status))
	mux.HandleFunc("POST /agent/task/{threadId}/stop", s.requireAuth(ag.stop))
	mux.HandleFunc("POST /agent/task", s.requireAuth(ag.saveTask))

	// Users (§3.4). /user/profile/{userId} and /user/{userId}/feed overlap
	// (/user/profile/feed matches both and neither is more specific), which
	// ServeMux refuses; so /user/profile/{userId} is explicit and the one
	// remaining dispatcher, /user/{userId}/{list}, serves feed and liked.
	prof := profileHandlers{s}
	mux.HandleFunc("GET /user/profile", s.requireAuth(prof.get))
	mux.HandleFunc("PUT /user/profile", s.requireAuth(prof.put))
	pub := userPublicHandlers{s}
	mux.HandleFunc("GET /user/profile/{userId}", s.optionalAuth(pub.profile))
	mux.HandleFunc("GET /user/{userId}/{list}", s.optionalAuth(pub.list))
	uc := s.newUserContentHandlers()
	mux.HandleFunc("GET /user/authBg", uc.authBackgrounds)
	mux.HandleFunc("GET /user/referral-info", s.requireAuth(uc.referralInfo))
	acc := accountHandlers{s}
	slash(mux, "DELETE /user/", s.requirePassword(acc.deleteNow))

	// Feed, publishing, likes, rewind (§3.5, §3.3).
	p := publishHandlers{s}
	slash(mux, "POST /publish/", s.requireAuth(s.limited(limitPublish, p.image)))
	mux.HandleFunc("POST /publish/video", s.requireAuth(s.limited(limitPublish, p.task(store.MediaVideo))))
	mux.HandleFunc("POST /publish/audio", s.requireAuth(s.limited(limitPublish, p.task(store.MediaAudio))))
	f := feedHandlers{s}
	slash(mux, "GET /feed/", s.optionalAuth(f.list))
	mux.HandleFunc("GET /feed/featured", s.optionalAuth(f.featured)) // more specific than /feed/{id}: wins
	mux.HandleFunc("GET /feed/{id}", s.optionalAuth(f.get))
	mux.HandleFunc("DELETE /feed/{id}", s.requireAuth(f.delete))
	fe := featuredHandlers{s} // ours: the operator features posts (api/openapi.yaml)
	mux.HandleFunc("PUT /feed/{id}/featured", s.requirePassword(fe.put))
	mux.HandleFunc("DELETE /feed/{id}/featured", s.requirePassword(fe.delete))
	l := likeHandlers{s}
	mux.HandleFunc("GET /like/{feedId}", s.optionalAuth(l.get))
	mux.HandleFunc("PUT /like/{feedId}", s.requireAuth(l.put))
	mux.HandleFunc("DELETE /like/{feedId}", s.requireAuth(l.delete))
	rw := rewindHandlers{s}
	mux.HandleFunc("GET /rewind/check/{originImageId}", s.optionalAuth(rw.check))
	mux.HandleFunc("GET /rewind/versions/{feedId}", s.optionalAuth(rw.versions))
	mux.HandleFunc("GET /rewind/messages/{feedId}", s.optionalAuth(rw.messages))

	// Files (§3.7): uploads, images and, for the local blob backend, the
	// signed file URLs (presigning backends serve their own).
	if served, ok := s.Blobs.(blob.Served); ok {
		mux.HandleFunc("GET /files/{key...}", fileHandlers{s, served}.serve)
	}
	mux.HandleFunc("POST /upload", s.requireAuth(s.limited(limitUpload, uploadHandlers{s}.upload)))
	img := imageHandlers{s}
	mux.HandleFunc("POST /image", s.requireAuth(img.ensure))
	mux.HandleFunc("GET /image/{imageId}", img.get)
	mux.HandleFunc("DELETE /image/{imageId}", s.requireAuth(img.delete))
	mux.HandleFunc("POST /image/check/{imageId}", s.optionalAuth(img.check))
	mux.HandleFunc("GET /images/{imageIds}", img.list)
	dl := downloadHandlers{s}
	slash(mux, "POST /download/", s.requireAuth(s.limited(limitDownload, dl.image)))
	mux.HandleFunc("POST /download/video", s.requireAuth(s.limited(limitDownload, dl.video)))

	// Video and music tasks (§3.8): the same handlers for each kind.
	vt, mt := newTaskHandlers(s, store.MediaVideo), newTaskHandlers(s, store.MediaAudio)
	mux.HandleFunc("GET /video/task/{taskId}", s.requireAuth(vt.get))
	mux.HandleFunc("GET /video/info/{videoIds}", s.requireAuth(vt.info))
	mux.HandleFunc("POST /video/submit/{taskId}", s.requireAuth(s.limited(limitSubmit, vt.submit)))
	mux.HandleFunc("POST /video/initialize", s.requireAuth(vt.initialize))
	mux.HandleFunc("DELETE /video/upload/{taskId}", s.requireAuth(vt.deleteUpload))
	mux.HandleFunc("GET /music/task/{taskId}", s.requireAuth(mt.get))
	mux.HandleFunc("GET /music/info/{audioIds}", s.requireAuth(mt.info))
	mux.HandleFunc("POST /music/submit/{taskId}", s.requireAuth(s.limited(limitSubmit, mt.submit)))
	mux.HandleFunc("POST /music/initialize", s.requireAuth(mt.initialize))
	mux.HandleFunc("DELETE /music/upload/{taskId}", s.requireAuth(mt.deleteUpload))

	// Filter presets (§3.6).
	fp := filterHandlers{s}
	mux.HandleFunc("GET /filter/preset", s.requireAuth(fp.list))
	mux.HandleFunc("POST /filter/like", s.requireAuth(fp.like))
	mux.HandleFunc("DELETE /filter/like/{filterId}", s.requireAuth(fp.unlike))
	mux.HandleFunc("GET /filter/liked", s.requireAuth(fp.liked))

	// Reward, support, mail (§3.9); CMS proxy and sitemap (§3.10).
	mux.HandleFunc("POST /reward/daily", s.requireAuth(rewardHandlers{s}.daily))
	mux.HandleFunc("GET /support/hash", s.requireAuth(supportHandlers{s}.hash))
	ml := mailHandlers{s}
	mux.HandleFunc("POST /mail/daily", s.requirePassword(ml.daily))
	mux.HandleFunc("POST /mail/account-deletion", s.requirePassword(ml.accountDeletion))
	mux.HandleFunc("GET /mail/unsubscribe", ml.unsubscribeForm) // the signed token is the auth
	mux.HandleFunc("POST /mail/unsubscribe", ml.unsubscribe)
	mux.HandleFunc("POST /support/delete-account", s.requireAuth(acc.schedule))
	mux.HandleFunc("GET /support/deletion-status", s.requireAuth(acc.status))
	mux.HandleFunc("POST /support/cancel-delete-account", s.requireAuth(acc.cancel))
	op := s.newCMSHandlers()
	mux.HandleFunc("GET /op/announcement", op.announcement)
	mux.HandleFunc("GET /op/homecards/v2", op.homeCards)
	mux.HandleFunc("GET /op/trending", op.trending)
	sm := sitemapHandlers{s}
	mux.HandleFunc("GET /sitemap/users", sm.users)
	mux.HandleFunc("GET /sitemap/feeds", sm.feeds)

	// Realtime task status push (STREAMING.md §6; ours).
	rt := realtimeHandlers{s}
	mux.HandleFunc("GET /connection/websocket", rt.websocket) // the token travels inside the protocol
	mux.HandleFunc("GET /realtime/token", s.requireAuth(rt.token))

	// The playground page (web/playground; KIRA_PLAYGROUND).
	if s.Playground != nil {
		pg := playgroundHandlers{s, s.Playground}
		mux.HandleFunc("GET /playground", pg.index)
		mux.HandleFunc("GET /playground/{path...}", pg.asset)
	}

	// Operators: River's own UI and its API (HTTP Basic, ADMIN_PASSWORD).
	if s.RiverUI != nil {
		for _, m := range []string{"GET", "POST", "PUT", "PATCH"} {
			mux.HandleFunc(m+" /admin/river/", s.requireBasic(s.RiverUI.ServeHTTP))
		}
	}

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errRouteNotFound)
	})

	metrics := middleware.NewMetrics(s.Registry)
	return middleware.Chain(metrics.Middleware(s.guardText(mux)),
		middleware.RequestID,
		middleware.AccessLog(s.log),
		middleware.Recover(s.log),
		middleware.CaptureErrors(s.Errors), // nothing at all without SENTRY_DSN
		middleware.CORS(middleware.CORSConfig{AllowAnyOrigin: s.Config.Dev(), Origins: s.Config.AllowedOrigins()}),
		s.limitIP, // after CORS, so a browser can read its 429
		middleware.BodyReadTimeout(middleware.JSONBodyTimeout, middleware.UploadBodyTimeout, "/upload"),
		middleware.BodyLimit(s.Config.MaxBodyBytes, "/upload"),
	)
}

// slash registers a route written with a trailing slash (API.md §0) so it
// answers with and without the slash and matches only that exact path.
func slash(mux *routeMux, pattern string, h any) {
	mux.HandleFunc(pattern+"{$}", h)
	mux.HandleFunc(pattern[:len(pattern)-1], h)
}
