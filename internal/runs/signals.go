package runs

import (
	"context"
	"sync"
)

// signals holds the in-process cancel subscribers of both backends: one
// channel per subscription, closed when its run is cancelled.
type signals struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

// add registers a subscriber for runID until ctx ends. context.AfterFunc
// instead of a goroutine per subscription: a waiting run costs no goroutine
// here.
func (s *signals) add(ctx context.Context, runID string) chan struct{} {
	ch := make(chan struct{})
	s.mu.Lock()
	if s.subs == nil {
		s.subs = map[string]map[chan struct{}]struct{}{}
	}
	if s.subs[runID] == nil {
		s.subs[runID] = map[chan struct{}]struct{}{}
	}
	s.subs[runID][ch] = struct{}{}
	s.mu.Unlock()
	context.AfterFunc(ctx, func() { s.remove(runID, ch) })
	return ch
}

func (s *signals) remove(runID string, ch chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.subs[runID], ch)
	if len(s.subs[runID]) == 0 {
		delete(s.subs, runID)
	}
}

// fire closes every subscriber channel of runID. A channel is closed once:
// it leaves the registry as it is closed.
func (s *signals) fire(runID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.subs[runID] {
		close(ch)
	}
	delete(s.subs, runID)
}

// runs lists the runs that have subscribers.
func (s *signals) runs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.subs))
	for id := range s.subs {
		ids = append(ids, id)
	}
	return ids
}

// count returns how many subscribers runID has (for tests).
func (s *signals) count(runID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs[runID])
}
