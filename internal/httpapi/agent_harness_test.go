package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/agent"
	"github.com/kira-art/kira/internal/httpapi"
	"github.com/kira-art/kira/internal/llm"
	"github.com/kira-art/kira/internal/media"
	"github.com/kira-art/kira/internal/runs"
	"github.com/kira-art/kira/internal/store"
)

// wireAgent gives a test server a real agent: in-memory run backend, the
// local scripted model (no token delay) and the local image provider.
func wireAgent(t *testing.T, api *httpapi.Server, st *store.Store) {
	t.Helper()
	backend := runs.NewMemory(time.Minute)
	svc := agent.New(agent.Deps{Store: st, Runs: backend, Model: llm.NewLocal(0), Images: media.LocalImages{},
		Files: api.Files, ImageJSON: api.ImageJSON, TaskJSON: api.TaskJSON,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	svc.Start()
	t.Cleanup(func() { svc.Stop(context.Background()) }) //nolint:errcheck
	titles := agent.NewTitles(st, llm.NewLocal(0), slog.New(slog.NewTextHandler(io.Discard, nil)))
	titles.Start()
	t.Cleanup(func() { titles.Stop(context.Background()) }) //nolint:errcheck
	api.Agent, api.Runs, api.Titles = svc, backend, titles
}
