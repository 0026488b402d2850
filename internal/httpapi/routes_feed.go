package httpapi

import (
	"net/http"

	"github.com/kira-art/kira/internal/embed"
	"github.com/kira-art/kira/internal/publish"
	"github.com/kira-art/kira/internal/store"
)

// routesFeed registers the feed route group: publishing, the feed, likes,
// rewind, public user pages and the sitemap.
func (s *Server) routesFeed(mux *http.ServeMux) {
	pub := s.publisher()

	p := publishHandlers{s: s, pub: pub}
	slash(mux, "POST /publish/", s.requireAuth(p.image))
	mux.HandleFunc("POST /publish/video", s.requireAuth(p.task(store.MediaVideo)))
	mux.HandleFunc("POST /publish/audio", s.requireAuth(p.task(store.MediaAudio)))

	f := feedHandlers{s: s, pub: pub}
	slash(mux, "GET /feed/", s.optionalAuth(f.list))
	mux.HandleFunc("GET /feed/featured", s.optionalAuth(f.featured)) // more specific than /feed/{id}: wins
	mux.HandleFunc("GET /feed/{id}", s.optionalAuth(f.get))
	mux.HandleFunc("DELETE /feed/{id}", s.requireAuth(f.delete))
	mux.HandleFunc("PUT /feed/{id}/featured", s.requirePassword(featuredHandlers{s}.put))
	mux.HandleFunc("DELETE /feed/{id}/featured", s.requirePassword(featuredHandlers{s}.delete))

	l := likeHandlers{s}
	mux.HandleFunc("GET /like/{feedId}", s.optionalAuth(l.get))
	mux.HandleFunc("PUT /like/{feedId}", s.requireAuth(l.put))
	mux.HandleFunc("DELETE /like/{feedId}", s.requireAuth(l.delete))

	rw := rewindHandlers{s}
	mux.HandleFunc("GET /rewind/check/{originImageId}", s.optionalAuth(rw.check))
	mux.HandleFunc("GET /rewind/versions/{feedId}", s.optionalAuth(rw.versions))
	mux.HandleFunc("GET /rewind/messages/{feedId}", s.optionalAuth(rw.messages))

	// /user/profile/{userId}, /user/{userId}/feed and /user/{userId}/liked
	// share one pattern (see userPublicHandlers).
	mux.HandleFunc("GET /user/{a}/{b}", s.optionalAuth(userPublicHandlers{s}.dispatch))

	sm := sitemapHandlers{s}
	mux.HandleFunc("GET /sitemap/users", sm.users)
	mux.HandleFunc("GET /sitemap/feeds", sm.feeds)
}

// publisher builds the publish pipeline from the server's dependencies.
// Without a configured index the brute-force index over the database is
// used; the local embedder is the only one so far.
func (s *Server) publisher() *publish.Service {
	idx := s.Embeddings
	if idx == nil {
		idx = embed.NewStoreIndex(s.Store)
	}
	return &publish.Service{Store: s.Store, Blobs: s.Blobs, Checker: s.Moderation, Embedder: embed.NewLocal(),
		Index: idx, Log: s.log}
}
