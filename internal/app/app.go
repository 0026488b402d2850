// Package app builds kira's components and services from the
// configuration, starts them and stops them in reverse order. The binary
// and the handler tests use the same constructor, so tests run the real
// wiring; options only inject what a test must own (its database schema, a
// moderation checker).
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/kira-art/kira/content"
	"github.com/kira-art/kira/internal/accounts"
	"github.com/kira-art/kira/internal/agent"
	"github.com/kira-art/kira/internal/auth"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/cms"
	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/embed"
	"github.com/kira-art/kira/internal/files"
	"github.com/kira-art/kira/internal/hotcache"
	"github.com/kira-art/kira/internal/httpapi"
	"github.com/kira-art/kira/internal/jobs"
	"github.com/kira-art/kira/internal/moderation"
	"github.com/kira-art/kira/internal/notify"
	"github.com/kira-art/kira/internal/publish"
	"github.com/kira-art/kira/internal/realtime"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/tasks"
	"github.com/kira-art/kira/internal/view"
	"github.com/kira-art/kira/web/playground"
)

// App is a running kira server.
type App struct {
	cfg      config.Config
	log      *slog.Logger
	opts     options
	store    *store.Store
	verifier *auth.Verifier
	devKey   *auth.DevKey
	blobs    blob.Store
	views    *view.Converter
	checker  moderation.Checker
	files    *files.Service
	redis    *redis.Client        // nil without REDIS_URL
	cache    hotcache.Invalidator // hot-read cache invalidations (Redis pub/sub or this process)
	api      *httpapi.Server
	agent    *agent.Service
	titles   *agent.Titles
	tasks    *tasks.Service
	notify   *notify.Service // mail: jobs and the /mail routes
	jobs     *jobs.Jobs
	accounts *accounts.Service     // account deletion, shared by the workers and the API
	node     *realtime.Node        // the embedded Centrifuge node (nil with an external Centrifugo)
	pusher   realtime.Publisher    // task status and title push
	minter   *realtime.TokenMinter // Centrifugo connection tokens (external mode only)
	ready    []httpapi.ReadyCheck
	http     *http.Server
	listener net.Listener
	stops    []func(context.Context) error // in start order; run in reverse

	telemetry telemetry // Sentry and PostHog (telemetry.go)

	drain drainState // set by Shutdown (drain.go)
}

// Option changes what New builds.
type Option func(*options)

type options struct {
	store      *store.Store
	moderation moderation.Checker
	role       Role
}

// WithStore makes the app use st instead of opening DATABASE_URL (tests: a
// schema of their own). The caller keeps ownership: Stop does not close it.
func WithStore(st *store.Store) Option { return func(o *options) { o.store = st } }

// WithModeration replaces the moderation checker MODERATION_PROVIDER would
// build.
func WithModeration(c moderation.Checker) Option { return func(o *options) { o.moderation = c } }

// New opens the database (applying migrations) and builds every component
// and service, then the HTTP API from them. Nothing runs until Start.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) (*App, error) {
	a := &App{cfg: cfg, log: log}
	for _, o := range opts {
		o(&a.opts)
	}
	if err := a.build(ctx); err != nil {
		a.Stop(context.Background()) //nolint:errcheck // best effort after a failed start
		return nil, err
	}
	return a, nil
}

func (a *App) build(ctx context.Context) error {
	for _, step := range []func(context.Context) error{a.openStore, a.connectRedis, a.buildAuth, a.buildBlobs,
		a.buildModeration, a.buildRealtime, a.buildMail, a.buildTelemetry, a.buildDrain} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	a.files = files.New(a.store, a.blobs, a.checker, a.log, files.Limits{})
	if err := a.buildWatermarking(); err != nil {
		return err
	}
	svc, err := a.buildAgent(ctx)
	if err != nil {
		return err
	}
	if err := a.buildTasks(ctx); err != nil {
		return err
	}
	riverUI, err := a.buildRiverUI(ctx)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(a.telemetry.collectors...)
	a.api = httpapi.New(httpapi.Deps{Config: a.cfg, Logger: a.log, Store: a.store, Verifier: a.verifier,
		DevKey: a.devKey, Blobs: a.blobs, Views: a.views, Registry: reg, Files: a.files,
		Publish: a.publisher(), CMS: a.cmsClient(), Cache: a.cache, Agent: a.agent, Runs: svc.runs, Notify: a.notify,
		Accounts: a.accountService(),
		Ready:    append([]httpapi.ReadyCheck{{Name: "database", Check: a.store.Ping}}, a.ready...),
		Realtime: a.realtimeHandler(), RealtimeTokens: a.realtimeTokens(),
		Errors: a.telemetry.errors, Events: a.telemetry.events, Limiter: a.rateLimiter(),
		RiverUI: riverUI, Playground: a.playground()})
	if err := a.api.LoadFilterPresets(ctx); err != nil {
		return err
	}
	// Bodies get their own per-route read deadlines in the middleware
	// (BodyReadTimeout), generous for uploads; one ReadTimeout here could not
	// tell an upload from a JSON body.
	a.http = &http.Server{Addr: a.cfg.Addr, Handler: a.api.Handler(), ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	return nil
}

func (a *App) openStore(ctx context.Context) error {
	if a.opts.store != nil {
		a.store = a.opts.store
		return nil
	}
	st, err := OpenStore(ctx, a.cfg, a.log)
	if err != nil {
		return err
	}
	a.store = st
	a.onStop(func(context.Context) error { return st.Close() })
	return nil
}

func (a *App) buildAuth(ctx context.Context) error {
	devKey, err := a.loadDevKey()
	if err != nil {
		return err
	}
	a.devKey = devKey
	a.verifier, err = auth.NewVerifier(ctx, auth.Config{JWKSURL: a.cfg.JWKSURL, DevKey: devKey,
		Issuer: a.cfg.JWTIssuer, HS256Secret: []byte(a.cfg.JWTSecret),
		OnRefreshError: func(err error) { a.log.Warn("JWKS refresh failed", "err", err) }})
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	a.onStop(func(context.Context) error { a.verifier.Close(); return nil })
	return nil
}

// buildBlobs sets up file storage and the converter that signs its URLs.
func (a *App) buildBlobs(context.Context) error {
	blobs, err := OpenBlobs(a.cfg)
	if err != nil {
		return err
	}
	a.blobs, a.views = blobs, view.New(blobs)
	return nil
}

func (a *App) buildModeration(context.Context) error {
	if a.opts.moderation != nil {
		a.checker = a.opts.moderation
		return nil
	}
	lists, err := moderation.LoadListsFS(content.ModerationLists())
	if err != nil {
		return fmt.Errorf("moderation lists: %w", err)
	}
	local := moderation.NewLocal(lists, moderation.DefaultMaxDistance)
	a.checker = local
	if mc := a.cfg.Moderation; mc.Provider == "openai" {
		// The block lists stay first: a listed image never reaches the
		// provider, and a provider outage cannot unblock it (Combined).
		remote, err := moderation.NewHTTP(moderation.HTTPConfig{BaseURL: mc.BaseURL, APIKey: mc.APIKey, Model: mc.Model,
			CSAMThreshold: mc.CSAMThreshold, Timeout: mc.Timeout})
		if err != nil {
			return err
		}
		a.checker = moderation.NewCombined(local, remote)
		a.log.Info("moderation: block lists + provider", "base_url", mc.BaseURL, "model", mc.Model)
	}
	return nil
}

// publisher is the publish pipeline: moderation, the local perceptual
// embedder and the brute-force index over the database.
func (a *App) publisher() *publish.Service {
	return &publish.Service{Store: a.store, Blobs: a.blobs, Files: a.files, Checker: a.checker, Embedder: embed.NewLocal(),
		Index: embed.NewStoreIndex(a.store), Log: a.log}
}

// threadModeration is the moderate_thread job's check of new threads' first
// messages, with the same checker as avatars and posts.
func (a *App) threadModeration() *agent.ThreadModeration {
	return agent.NewThreadModeration(a.store, a.files, a.checker, a.log)
}

// cmsClient serves content files by default, the upstream at CMS_URL when
// set. Config validation rejects bad URLs first; should one slip through,
// the endpoints fail open (nil client: the empty shapes).
func (a *App) cmsClient() *cms.Client {
	c, err := cms.New(cms.Options{URL: a.cfg.CMSURL, Timeout: a.cfg.CMSTimeout, TTL: a.cfg.CMSCacheTTL, Logger: a.log})
	if err != nil {
		a.log.Error("cms disabled", "err", err)
		return nil
	}
	return c
}

// playground is the embedded playground page when KIRA_PLAYGROUND is on.
func (a *App) playground() fs.FS {
	if !a.cfg.Playground {
		return nil
	}
	a.log.Info("playground", "path", "/playground")
	return playground.FS()
}

// loadDevKey is the local signing key in development mode (no JWKS
// configured).
func (a *App) loadDevKey() (*auth.DevKey, error) {
	if a.cfg.JWKSURL != "" {
		return nil, nil
	}
	k, err := auth.LoadOrCreateDevKey(a.cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("development key: %w", err)
	}
	a.log.Info("development auth: tokens from `kira token` are accepted", "jwks", "/.well-known/jwks.json")
	return k, nil
}

// OpenStore opens the configured database and applies pending migrations.
func OpenStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.SQLitePath())
	if err != nil {
		return nil, err
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	log.Info("database ready", "dialect", st.Dialect(), "migrations_applied", applied)
	return st, nil
}

func (a *App) onStop(fn func(context.Context) error) { a.stops = append(a.stops, fn) }

// Handler is the HTTP API the server listens with.
func (a *App) Handler() http.Handler { return a.http.Handler }

// API is the HTTP layer (tests reach its components through it).
func (a *App) API() *httpapi.Server { return a.api }

// Start runs the workers and, unless the app is a worker only, listens and
// serves in the background.
func (a *App) Start() error {
	if err := a.startJobs(); err != nil {
		return err
	}
	if a.opts.role == RoleWorker {
		a.log.Info("worker running (no HTTP)")
		return nil
	}
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", a.cfg.Addr, err)
	}
	a.listener = ln
	if err := a.startPprof(); err != nil {
		ln.Close()
		return fmt.Errorf("pprof: %w", err)
	}
	if err := a.cache.Start(context.Background()); err != nil {
		ln.Close()
		return fmt.Errorf("cache invalidations: %w", err)
	}
	a.onStop(func(context.Context) error { return a.cache.Stop() })
	go func() {
		if err := a.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("http server stopped", "err", err)
		}
	}()
	a.onStop(func(ctx context.Context) error {
		err := a.http.Shutdown(ctx) // drains in-flight requests until ctx expires
		a.api.Wait()
		return err
	})
	// Registered after HTTP so it stops first: stopped runs save their
	// partial messages and close their logs, which ends the SSE responses
	// HTTP shutdown is waiting for.
	a.agent.Start()
	a.onStop(a.agent.Stop)
	a.log.Info("listening", "addr", ln.Addr().String())
	return nil
}

// Addr is the address actually listened on (useful with port 0).
func (a *App) Addr() string { return a.listener.Addr().String() }

// Stop stops components in reverse start order, within ctx's deadline.
func (a *App) Stop(ctx context.Context) error {
	var errs []error
	for i := len(a.stops) - 1; i >= 0; i-- {
		if err := a.stops[i](ctx); err != nil {
			errs = append(errs, err)
		}
	}
	a.stops = nil
	return errors.Join(errs...)
}
