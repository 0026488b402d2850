// Package httpapi is the HTTP face of kira: the router, the middleware
// chain, error mapping and one file of handlers per route group.
package httpapi

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kira-art/kira/internal/accounts"
	"github.com/kira-art/kira/internal/agent"
	"github.com/kira-art/kira/internal/analytics"
	"github.com/kira-art/kira/internal/auth"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/cms"
	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/files"
	"github.com/kira-art/kira/internal/hotcache"
	"github.com/kira-art/kira/internal/httpapi/middleware"
	"github.com/kira-art/kira/internal/notify"
	"github.com/kira-art/kira/internal/publish"
	"github.com/kira-art/kira/internal/ratelimit"
	"github.com/kira-art/kira/internal/runs"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/view"
)

// Verifier checks bearer tokens.
type Verifier interface {
	Verify(ctx context.Context, token string) (auth.Claims, error)
}

// ReadyCheck is one dependency probed by /ready.
type ReadyCheck struct {
	Name  string
	Check func(context.Context) error
}

// Deps is everything the HTTP layer needs; app wires it.
type Deps struct {
	Config   config.Config
	Logger   *slog.Logger
	Store    *store.Store
	Verifier Verifier
	DevKey   *auth.DevKey // non-nil in development mode: served as the JWKS
	Blobs    blob.Store   // file bytes; URLs it makes are what clients fetch
	Registry *prometheus.Registry
	Agent    *agent.Service       // chat runs
	Runs     runs.Log             // run stream logs, tailed by viewers
	Publish  *publish.Service     // publishing and deleting posts
	CMS      *cms.Client          // CMS proxy (content files or the upstream at CMS_URL)
	Views    *view.Converter      // renders store rows as API shapes; nil = one signing with Blobs
	Files    *files.Service       // uploads, images, derivatives, deletion, CSAM checks (required)
	Accounts *accounts.Service    // account deletion (scheduled and immediate)
	Cache    hotcache.Invalidator // carries hot-read cache invalidations (Redis across instances); nil = this process only
	Notify   *notify.Service      // the /mail routes (daily sweep, deletion mails, unsubscribe); nil = 503
	Ready    []ReadyCheck
	// Realtime is the embedded Centrifuge node's websocket handler (nil
	// with an external Centrifugo); RealtimeTokens mints that Centrifugo's
	// connection tokens (nil in embedded mode).
	Realtime       http.Handler
	RealtimeTokens TokenMinter
	// Errors reports 5xx and panics to Sentry (nil = off); Events captures
	// product events (nil = none).
	Errors *middleware.ErrorReporter
	Events analytics.Events
	// Playground is the built playground page (nil = off).
	Playground fs.FS
	// RiverUI is River's web UI (served under /admin/river/ behind the
	// admin password); nil = off (no ADMIN_PASSWORD, or a worker).
	RiverUI http.Handler
	// Limiter holds the rate-limit buckets (Redis when shared by
	// instances); nil = in this process.
	Limiter ratelimit.Limiter
}

// Server holds the dependencies shared by every handler group.
type Server struct {
	Deps
	log        *slog.Logger
	background sync.WaitGroup
	profiles   profileCache
	routes     routeTable // what Handler registered, for Routes
	hot        hotReads
	limits     *rateLimits
}

// New builds the server; Handler returns its http.Handler.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Views == nil {
		d.Views = view.New(d.Blobs)
	}
	if d.Cache == nil {
		d.Cache = hotcache.NewMemory()
	}
	d.Events = analytics.Or(d.Events)
	s := &Server{Deps: d, log: d.Logger, limits: newRateLimits(d.Limiter, d.Registry)}
	hot, err := s.buildHotReads(d.Cache)
	if err != nil {
		panic(err) // the options are constants: only a programming error gets here
	}
	s.hot = hot
	s.watchDeletedProfiles()
	return s
}

// goBackground runs best-effort work detached from the request (e.g. the
// v4→v5 rewrite); Wait drains it at shutdown.
func (s *Server) goBackground(name string, fn func(ctx context.Context) error) {
	s.background.Go(func() {
		if err := fn(context.Background()); err != nil {
			s.log.Warn("background work failed", "work", name, "err", err)
		}
	})
}

// Wait blocks until background work started by handlers has finished.
func (s *Server) Wait() { s.background.Wait() }
