package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/httpapi"
)

// bareHandler is the real router and middleware chain, logging JSON at
// info level as the binary does (to io.Discard), built without a store: it
// serves only what touches no dependency (/health, the middleware's own
// answers).
func bareHandler(b testing.TB) http.Handler {
	b.Helper()
	dir := b.TempDir()
	cfg, err := config.FromLookup(func(k string) (string, bool) {
		return map[string]string{"KIRA_DATA_DIR": dir}[k], k == "KIRA_DATA_DIR"
	})
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: cfg.SlogLevel()}))
	return httpapi.New(httpapi.Deps{Config: cfg, Logger: log, Registry: prometheus.NewRegistry()}).Handler()
}

// discardWriter is a ResponseWriter that keeps one header map, so the
// benchmark counts the chain's allocations rather than a recorder's.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkHealthChain serves GET /health through the whole chain in
// process: request id, access log, recover, CORS, body limit, metrics, mux
// and the handler.
func BenchmarkHealthChain(b *testing.B) {
	h := bareHandler(b)
	req := httptest.NewRequest(http.MethodGet, "/health", nil)
	req.Header.Set("Origin", "http://localhost:3000")
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

// BenchmarkHealthHTTP adds the real net/http server and a keep-alive client
// over loopback; the client's own cost is included.
func BenchmarkHealthHTTP(b *testing.B) {
	srv := httptest.NewServer(bareHandler(b))
	b.Cleanup(srv.Close)
	client := srv.Client()
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		resp, err := client.Get(srv.URL + "/health")
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// reportCPU adds cpu-ns/op, the process's CPU time (user + system) per
// operation, which unlike ns/op does not grow when other work on a shared
// machine takes the CPU away. Call as defer reportCPU(b)().
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
