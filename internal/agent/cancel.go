package agent

import (
	"context"
	"sync/atomic"
)

// watchCancel cancels the run's context when a stop signal arrives from any
// instance, and reports whether that happened (vs. shutdown or failure).
func (s *Service) watchCancel(ctx context.Context, runID string, cancel context.CancelFunc) *atomic.Bool {
	var stopped atomic.Bool
	ch, err := s.d.Runs.Subscribe(ctx, runID)
	if err != nil {
		s.d.Log.Warn("subscribe to stop signals", "run_id", runID, "err", err)
		return &stopped
	}
	go func() {
		select {
		case <-ch:
			stopped.Store(true)
			cancel()
		case <-ctx.Done():
		}
	}()
	return &stopped
}
