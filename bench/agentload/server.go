package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/kira-art/kira/internal/app"
	"github.com/kira-art/kira/internal/auth"
	"github.com/kira-art/kira/internal/config"
)

// server is a kira server running in this process.
type server struct {
	app     *app.App
	url     string
	dataDir string
	key     *auth.DevKey
}

// startServer starts kira on a free loopback port with a fresh temporary
// data directory (SQLite, in-memory run log) and the local model pausing
// delay per token. Only errors are logged.
func startServer(ctx context.Context, delay time.Duration) (*server, error) {
	dir, err := os.MkdirTemp("", "agentload-*")
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cfg, err := config.FromLookup(lookup(map[string]string{
		"KIRA_ADDR": addr, "KIRA_DATA_DIR": dir, "KIRA_PUBLIC_URL": "http://" + addr,
		"KIRA_LOG_LEVEL": "error", "LLM_PROVIDER": "local", "LLM_TOKEN_DELAY": delay.String(),
		"RATE_LIMIT_ENABLED": "false", // a load test measures the server, not its 429s
	}))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if err := a.Start(); err != nil {
		a.Stop(context.Background()) //nolint:errcheck // best effort
		return nil, err
	}
	key, err := auth.LoadOrCreateDevKey(dir)
	if err != nil {
		return nil, err
	}
	return &server{app: a, url: "http://" + a.Addr(), dataDir: dir, key: key}, nil
}

// stop shuts the server down (stopping its runs) and removes its data.
func (s *server) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := s.app.Stop(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "agentload: stop server:", err)
	}
	os.RemoveAll(s.dataDir) //nolint:errcheck // a temporary directory
}

// freeAddr picks a free loopback port, so KIRA_PUBLIC_URL can name it
// before the server listens.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// lookup turns a map into config.FromLookup's source, ignoring the
// environment (a DATABASE_URL there must not redirect the benchmark).
func lookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}
