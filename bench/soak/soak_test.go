package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/app"
	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/seed"
)

// TestSoakSmoke runs every traffic kind for a few seconds against a real
// server in this process (SQLite with a small seeded feed, local model and
// generators) and checks that each kind got through and nothing failed.
func TestSoakSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	seedFeed(t, cfg)
	url := startServer(t, cfg)
	o, err := parseFlags([]string{"-url", url, "-data-dir", dir, "-duration", "3s", "-warmup", "1s", "-sample", "1s",
		"-settle", "5s", "-users", "8", "-ws", "3", "-drop", "2", "-quiet"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	rep, err := run(ctx, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.write(&out)
	if rep.errors() > 0 {
		t.Fatalf("%d errors:\n%s", rep.errors(), out.String())
	}
	got := map[string]int{}
	for _, r := range rep.routes {
		got[r.route] = r.ok
	}
	for _, route := range []string{"GET /feed/", "GET /feed/?cursor=", "PUT /like/{id}", "DELETE /like/{id}",
		"GET /user/profile", "POST /agent/streaming", "POST /agent/streaming (music)", "POST /upload",
		"DELETE /image/{id}", "ws connect", "ws subscribe"} {
		if got[route] == 0 {
			t.Errorf("no successful %s:\n%s", route, out.String())
		}
	}
	if !strings.Contains(out.String(), "| end of load |") || rep.samples[0].procs[0].goroutines <= 0 {
		t.Errorf("no goroutine samples from /metrics:\n%s", out.String())
	}
}

// testConfig is a server on a free loopback port with its data in dir,
// a fast local model and the rate limits at their defaults.
func testConfig(t *testing.T, dir string) config.Config {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := map[string]string{"KIRA_ADDR": addr, "KIRA_DATA_DIR": dir, "KIRA_PUBLIC_URL": "http://" + addr,
		"KIRA_LOG_LEVEL": "error", "LLM_TOKEN_DELAY": "1ms"}
	cfg, err := config.FromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// seedFeed writes a few users' public posts (rows only), so the readers
// have pages to follow and the likers posts to like.
func seedFeed(t *testing.T, cfg config.Config) {
	st, err := app.OpenStore(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	blobs, err := app.OpenBlobs(cfg)
	if err != nil {
		t.Fatal(err)
	}
	so := seed.Options{Users: 3, Posts: 60, ThreadsPerUser: 1, LikesMean: 1, Seed: 1}
	if err := so.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Run(t.Context(), st, blobs, so); err != nil {
		t.Fatal(err)
	}
}

// startServer runs the app until the test ends and returns its URL.
func startServer(t *testing.T, cfg config.Config) string {
	a, err := app.New(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := a.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return "http://" + a.Addr()
}

func TestParseMetrics(t *testing.T) {
	t.Parallel()
	text := "# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines 42\n" +
		"go_memstats_heap_inuse_bytes 1.2e+07\nprocess_resident_memory_bytes 6.5e+07\ngo_gc_duration_seconds{quantile=\"0\"} 1e-05\n"
	p := parseMetrics(strings.NewReader(text))
	if p.goroutines != 42 || p.rss != 6.5e7 || p.heapInuse != 1.2e7 {
		t.Fatalf("got %+v", p)
	}
	if p := parseMetrics(strings.NewReader("")); p.goroutines != -1 || p.rss != -1 {
		t.Fatalf("empty: %+v", p)
	}
}
