package agent

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/kira-art/kira/internal/llm"
	"github.com/kira-art/kira/internal/store"
)

// TitleQueue replaces a new thread's provisional title with a model-written
// one in the background. The job system implements it durably when it
// lands; Titles is the in-process implementation.
type TitleQueue interface {
	EnqueueTitle(threadID, firstUserText string)
}

// TitleJob is one pending title.
type TitleJob struct{ ThreadID, Text string }

// Titles writes titles with a small worker pool. Jobs lost in a crash are
// harmless: the provisional title stays, and SetModelTitle never
// overwrites a title the user chose.
type Titles struct {
	store    *store.Store
	model    llm.Model
	log      *slog.Logger
	jobs     chan TitleJob
	wg       sync.WaitGroup
	cancel   context.CancelFunc
	OnTitled func(ctx context.Context, threadID, title string) // e.g. realtime {"type":"thread_title"}
}

// NewTitles makes a title worker with a bounded queue.
func NewTitles(st *store.Store, model llm.Model, log *slog.Logger) *Titles {
	return &Titles{store: st, model: model, log: log, jobs: make(chan TitleJob, 1024)}
}

// EnqueueTitle queues a title; a full queue drops it (the provisional
// title stays) rather than blocking the request.
func (t *Titles) EnqueueTitle(threadID, text string) {
	select {
	case t.jobs <- TitleJob{ThreadID: threadID, Text: text}:
	default:
		t.log.Warn("title queue full; keeping provisional title", "thread_id", threadID)
	}
}

// Start runs two workers.
func (t *Titles) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	t.cancel = cancel
	for range 2 {
		t.wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-t.jobs:
					t.title(ctx, j)
				}
			}
		})
	}
}

// Stop ends the workers (queued jobs are dropped) within ctx.
func (t *Titles) Stop(ctx context.Context) error {
	if t.cancel != nil {
		t.cancel()
	}
	done := make(chan struct{})
	go func() { t.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *Titles) title(ctx context.Context, j TitleJob) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	title, err := llm.Title(ctx, t.model, j.Text)
	if err != nil {
		t.log.Warn("title generation failed", "thread_id", j.ThreadID, "err", err)
		return
	}
	changed, err := t.store.SetModelTitle(ctx, j.ThreadID, title)
	if err != nil {
		t.log.Warn("store title", "thread_id", j.ThreadID, "err", err)
		return
	}
	if changed && t.OnTitled != nil {
		t.OnTitled(ctx, j.ThreadID, title)
	}
}
