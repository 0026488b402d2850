package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/runs"
	"github.com/kira-art/kira/internal/store"
)

// StartRequest is a validated request to answer the latest user message.
type StartRequest struct {
	UserID          string
	ThreadID        string
	UserMessage     *store.Message // the new user message (nil when regenerating)
	Thinking        bool
	Crazy           bool
	AnchorMessageID string
	Plan            string
}

// paidPlans may use thinking and crazy modes.
var paidPlans = []string{"pro", "pro_year", "max", "max_year"}

// Started describes a run that is executing.
type Started struct {
	Run store.Run
	// Cleanup lists what an anchor truncation removed; the caller cleans
	// up files and running jobs in the background.
	Cleanup store.DeletedThread
}

// Begin validates the plan, applies the anchor, stores the user message and
// the run, takes the thread's lease and launches the run on its own
// context. The run's log already holds its `start` chunk when Start
// returns, so the caller can tail it at once.
func (s *Service) Begin(ctx context.Context, req StartRequest) (Started, error) {
	if (req.Thinking || req.Crazy) && !slices.Contains(paidPlans, req.Plan) {
		return Started{}, ErrInsufficientPlan
	}
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if closing {
		return Started{}, ErrDraining
	}
	runID := uuid.NewString()
	if err := s.acquire(ctx, req.ThreadID, runID); err != nil {
		return Started{}, err
	}
	started, err := s.begin(ctx, req, runID)
	if err != nil {
		s.d.Runs.Release(context.WithoutCancel(ctx), req.ThreadID, runID) //nolint:errcheck
		return Started{}, err
	}
	return started, nil
}

// acquire takes the thread's lease for runID. A lease left behind by a run
// that has ended (its release failed, e.g. Redis was down when it finished)
// is freed at once instead of refusing runs until it expires: the run rows
// are the authority on what runs.
func (s *Service) acquire(ctx context.Context, threadID, runID string) error {
	err := s.d.Runs.Acquire(ctx, threadID, runID, s.d.LeaseTTL)
	if errors.Is(err, runs.ErrLeaseHeld) {
		holder, ok, herr := s.d.Runs.Holder(ctx, threadID)
		if herr == nil && ok {
			if r, gerr := s.d.Store.GetRun(ctx, holder); gerr == nil && r.Status != store.RunRunning {
				s.d.Runs.Release(ctx, threadID, holder) //nolint:errcheck // raced: Acquire below decides
				err = s.d.Runs.Acquire(ctx, threadID, runID, s.d.LeaseTTL)
			}
		}
	}
	switch {
	case errors.Is(err, runs.ErrLeaseHeld):
		return ErrRunActive
	case err != nil:
		return fmt.Errorf("acquire lease: %w", err)
	}
	return nil
}

func (s *Service) begin(ctx context.Context, req StartRequest, runID string) (Started, error) {
	var out Started
	if req.AnchorMessageID != "" {
		cut, err := s.d.Store.TruncateAfter(ctx, req.ThreadID, req.AnchorMessageID)
		if err != nil {
			return out, err
		}
		out.Cleanup = cut
	}
	r := store.Run{ID: runID, ThreadID: req.ThreadID, UserID: req.UserID, AssistantMessageID: newMessageID(),
		Instance: s.d.Instance, LeaseUntil: now().Add(s.d.LeaseTTL)}
	if req.UserMessage != nil {
		r.UserMessageID = req.UserMessage.ID
	}
	r, err := s.d.Store.StartRun(ctx, r, req.UserMessage)
	if errors.Is(err, store.ErrConflict) {
		return out, ErrRunActive // another instance's run without our lease backend (e.g. lease expired early)
	}
	if err != nil {
		return out, err
	}
	out.Run = r
	e := newEmitter(s.d.Runs, r.ID, s.d.Instance)
	err = s.d.Runs.Claim(ctx, r.ID, s.d.Instance)
	if err == nil {
		err = e.emit(ctx, startChunk(r.AssistantMessageID))
	}
	if err != nil {
		s.d.Store.FinishRun(context.WithoutCancel(ctx), store.RunResult{RunID: r.ID, Instance: r.Instance, Status: store.RunFailed, Error: err.Error()}) //nolint:errcheck
		return out, fmt.Errorf("open run log: %w", err)
	}
	s.launch(r, func(ctx context.Context) { s.execute(ctx, r, req, e, nil) })
	return out, nil
}

// newMessageID makes an id in the AI SDK's style (16 alphanumerics), which
// also satisfies the message id pattern.
func newMessageID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	u := uuid.New()
	b := make([]byte, 16)
	for i := range b {
		b[i] = alphabet[int(u[i])%len(alphabet)]
	}
	return string(b)
}
