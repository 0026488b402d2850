// Package app builds kira's components from the configuration, starts them
// and stops them in reverse order.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kira-art/kira/content"
	"github.com/kira-art/kira/internal/agent"
	"github.com/kira-art/kira/internal/auth"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/embed"
	"github.com/kira-art/kira/internal/httpapi"
	"github.com/kira-art/kira/internal/moderation"
	"github.com/kira-art/kira/internal/store"
)

// App is a running kira server.
type App struct {
	cfg      config.Config
	log      *slog.Logger
	store    *store.Store
	verifier *auth.Verifier
	api      *httpapi.Server
	agent    *agent.Service
	titles   *agent.Titles
	http     *http.Server
	listener net.Listener
	stops    []func(context.Context) error // in start order; run in reverse
}

// New opens the database (applying migrations), sets up auth and the HTTP
// API. Nothing listens until Start.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	a := &App{cfg: cfg, log: log}
	if err := a.build(ctx); err != nil {
		a.Stop(context.Background()) //nolint:errcheck // best effort after a failed start
		return nil, err
	}
	return a, nil
}

func (a *App) build(ctx context.Context) error {
	st, err := OpenStore(ctx, a.cfg, a.log)
	if err != nil {
		return err
	}
	a.store = st
	a.onStop(func(context.Context) error { return st.Close() })

	devKey, err := a.devKey()
	if err != nil {
		return err
	}
	a.verifier, err = auth.NewVerifier(ctx, auth.Config{JWKSURL: a.cfg.JWKSURL, DevKey: devKey,
		Issuer: a.cfg.JWTIssuer, HS256Secret: []byte(a.cfg.JWTSecret),
		OnRefreshError: func(err error) { a.log.Warn("JWKS refresh failed", "err", err) }})
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	a.onStop(func(context.Context) error { a.verifier.Close(); return nil })

	signKey, err := blob.LoadOrCreateKey(a.cfg.DataDir)
	if err != nil {
		return fmt.Errorf("url signing key: %w", err)
	}
	blobs, err := blob.NewLocal(filepath.Join(a.cfg.DataDir, "blobs"), blob.NewSigner(a.cfg.PublicURL, signKey))
	if err != nil {
		return err
	}
	lists, err := moderation.LoadListsFS(content.ModerationLists())
	if err != nil {
		return fmt.Errorf("moderation lists: %w", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.api = httpapi.New(httpapi.Deps{Config: a.cfg, Logger: a.log, Store: st, Verifier: a.verifier, DevKey: devKey,
		Blobs: blobs, Registry: reg,
		Moderation: moderation.NewLocal(lists, moderation.DefaultMaxDistance), Embeddings: embed.NewStoreIndex(st),
		Ready: []httpapi.ReadyCheck{{Name: "database", Check: st.Ping}}})
	if err := a.api.LoadFilterPresets(ctx); err != nil {
		return err
	}
	if err := a.buildAgent(ctx); err != nil {
		return err
	}
	// Bodies get their own per-route read deadlines in the middleware
	// (BodyReadTimeout), generous for uploads; one ReadTimeout here could not
	// tell an upload from a JSON body.
	a.http = &http.Server{Addr: a.cfg.Addr, Handler: a.api.Handler(), ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	return nil
}

// devKey is the local signing key in development mode (no JWKS configured).
func (a *App) devKey() (*auth.DevKey, error) {
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

// Start listens and serves in the background.
func (a *App) Start() error {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", a.cfg.Addr, err)
	}
	a.listener = ln
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
	a.titles.Start()
	a.onStop(a.titles.Stop)
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
