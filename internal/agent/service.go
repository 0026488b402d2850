// Package agent runs chat turns (STREAMING.md §2): a run is decoupled from
// the HTTP request that started it, streams its chunks into the run's log
// (which the POST response and any reconnecting viewer tail), calls the
// model and the server-side tools, charges credits, and commits the
// assistant message, its version and queued tasks in one transaction.
package agent

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/llm"
	"github.com/kira-art/kira/internal/media"
	"github.com/kira-art/kira/internal/runs"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/view"
)

// ImageFiles stores generated images (original, derivatives, registry row)
// and loads images for editing; the blob and imaging layers implement it.
type ImageFiles interface {
	SaveGenerated(ctx context.Context, userID string, img media.GeneratedImage, meta store.File) (store.File, error)
	Load(ctx context.Context, userID, imageID string) (image.Image, error)
}

// Deps is what the agent needs.
type Deps struct {
	Store    *store.Store
	Runs     runs.Backend
	Model    llm.Model
	Images   media.ImageProvider
	Files    ImageFiles
	Log      *slog.Logger
	Instance string // this process, recorded on runs for operators
	// Views renders tool outputs exactly as the API's Image and Video/Audio
	// objects (signed URLs), so the stream matches reads.
	Views *view.Converter
	// LeaseTTL bounds how long a dead instance's run keeps its thread busy.
	LeaseTTL time.Duration
	MaxSteps int
	// OnFinish is called after a run committed (e.g. realtime, titles).
	OnFinish func(ctx context.Context, run store.Run, v *store.Version)
}

// Service starts, stops and reports runs.
type Service struct {
	d          Deps
	wg         sync.WaitGroup
	mu         sync.Mutex
	cancels    map[string]context.CancelFunc // runs executing in this process
	closing    bool                          // draining or stopped: new runs are refused (ErrDraining)
	stopping   bool                          // Stop was called: runs registering now are cancelled at once
	stopReaper context.CancelFunc
}

// Errors the HTTP layer maps to statuses.
var (
	ErrRunActive        = apperr.New(apperr.Conflict, "A response is already being generated for this thread").WithCode("run_active")
	ErrInsufficientPlan = apperr.New(apperr.Forbidden, "Thinking and crazy modes need a Pro or Max plan").WithCode("insufficient_plan")
	// ErrDraining's Retry-After is long enough for the load balancer to
	// notice /ready failing and route the retry elsewhere.
	ErrDraining = apperr.New(apperr.Unavailable, "Server is shutting down; try again").WithCode("draining").WithRetryAfter(2 * time.Second)
)

// New builds the service with defaults filled in.
func New(d Deps) *Service {
	if d.LeaseTTL == 0 {
		d.LeaseTTL = 30 * time.Second
	}
	if d.MaxSteps == 0 {
		d.MaxSteps = 5
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Instance == "" {
		d.Instance = uuid.NewString()
	}
	return &Service{d: d, cancels: map[string]context.CancelFunc{}}
}

// Start begins the reaper that takes over runs whose instance died.
func (s *Service) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopReaper = cancel
	s.wg.Go(func() { s.reap(ctx) })
}

// Stop refuses new runs, stops the runs of this process (their partial
// messages are saved as stopped) and waits for them within ctx.
func (s *Service) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.closing, s.stopping = true, true
	for _, cancel := range s.cancels {
		cancel()
	}
	s.mu.Unlock()
	if s.stopReaper != nil {
		s.stopReaper()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("agent: runs still active at shutdown: %w", ctx.Err())
	}
}

// Drain refuses new runs (ErrDraining: 503 with Retry-After) and waits
// until the runs of this process have ended on their own or ctx is done;
// Stop then stops and saves whatever is still running. Runs are few and
// long, so a short poll is cheaper than bookkeeping on every run's exit.
func (s *Service) Drain(ctx context.Context) {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		s.mu.Lock()
		n := len(s.cancels)
		s.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-ctx.Done():
			s.d.Log.Info("drain: stopping runs still active", "runs", n)
			return
		case <-t.C:
		}
	}
}

// reap claims runs whose lease expired (their instance died or stalled)
// and takes them over, every claimInterval.
func (s *Service) reap(ctx context.Context) {
	t := time.NewTicker(s.claimInterval())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if s.isClosing() {
			continue // a draining instance hands runs over; it takes none
		}
		claimed, err := s.d.Store.ClaimExpiredRuns(ctx, now(), s.d.Instance, now().Add(s.d.LeaseTTL))
		if err != nil {
			s.d.Log.Warn("claim expired runs", "err", err)
			continue
		}
		for _, r := range claimed {
			s.takeOver(ctx, r)
		}
	}
}

func (s *Service) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// Status is the state of a thread's agent.
type Status struct {
	Running     bool
	Run         store.Run
	UserMessage *store.Message
}

// Status reports whether a run is active on the thread.
func (s *Service) Status(ctx context.Context, threadID string) (Status, error) {
	r, err := s.d.Store.ActiveRun(ctx, threadID)
	if errors.Is(err, store.ErrNotFound) {
		return Status{}, nil
	}
	if err != nil {
		return Status{}, err
	}
	st := Status{Running: true, Run: r}
	if r.UserMessageID != "" {
		if m, err := s.d.Store.GetMessage(ctx, threadID, r.UserMessageID); err == nil {
			st.UserMessage = &m
		}
	}
	return st, nil
}

// StopRun signals the thread's active run wherever it runs and waits until it
// has saved its partial message and closed its log. It reports false when
// nothing was running.
func (s *Service) StopRun(ctx context.Context, threadID string) (bool, error) {
	r, err := s.d.Store.ActiveRun(ctx, threadID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := s.d.Runs.Cancel(ctx, r.ID); err != nil {
		return false, fmt.Errorf("cancel run: %w", err)
	}
	// The run closes its log only after committing, so following the log
	// to its end is the acknowledgement (event-driven, no polling).
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	sub, err := s.d.Runs.Tail(waitCtx, r.ID, "")
	if errors.Is(err, runs.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	for range sub.Events() {
	}
	if err := sub.Err(); err != nil {
		return false, fmt.Errorf("waiting for the run to stop: %w", err)
	}
	return true, nil
}
