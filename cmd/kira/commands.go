package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/kira-art/kira/internal/app"
	"github.com/kira-art/kira/internal/auth"
	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/store"
)

// serve runs the HTTP API and the workers (role RoleServe) or only the
// workers (kira worker), until SIGINT/SIGTERM.
func serve(ctx context.Context, stderr io.Writer, role app.Role) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.SlogLevel())
	log.Info("starting kira", "version", version, "role", roleName(role), "config", cfg)
	a, err := app.New(ctx, cfg, log, app.WithRole(role))
	if err != nil {
		return err
	}
	if err := a.Start(); err != nil {
		a.Stop(context.Background()) //nolint:errcheck
		return err
	}
	<-ctx.Done()
	log.Info("shutting down", "grace", cfg.ShutdownGrace.String())
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := a.Shutdown(stopCtx); err != nil { // drain (/ready 503, runs finish), then stop
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

func roleName(r app.Role) string {
	if r == app.RoleWorker {
		return "worker"
	}
	return "serve"
}

// openStore loads the configuration and opens (and migrates) its database
// quietly, for the operator commands that change a row or two.
func openStore(ctx context.Context) (config.Config, *store.Store, error) {
	cfg, err := config.Load()
	if err != nil {
		return cfg, nil, err
	}
	st, err := app.OpenStore(ctx, cfg, newLogger(io.Discard, cfg.SlogLevel()))
	return cfg, st, err
}

func migrate(ctx context.Context, stderr io.Writer) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	st, err := app.OpenStore(ctx, cfg, newLogger(stderr, cfg.SlogLevel()))
	if err != nil {
		return err
	}
	return st.Close()
}

// token mints a token for the development key in $KIRA_DATA_DIR; the
// running server (same data dir, no JWKS configured) accepts it.
func token(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sub := fs.String("sub", "", "user id (UUID), required")
	email := fs.String("email", "", "email claim")
	ttl := fs.Duration("ttl", time.Hour, "lifetime")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sub == "" {
		return errors.New("token: --sub <uuid> is required")
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if cfg.JWKSURL != "" {
		return errors.New("token: a JWKS URL is configured, so the server only accepts tokens from that issuer")
	}
	key, err := auth.LoadOrCreateDevKey(cfg.DataDir)
	if err != nil {
		return err
	}
	tok, err := key.Mint(*sub, *email, *ttl, cfg.JWTIssuer)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
