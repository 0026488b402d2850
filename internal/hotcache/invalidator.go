package hotcache

import (
	"context"
	"sync"
)

// Topics announced by writers; see the package comment for who listens.
const (
	TopicFeed     = "feed"
	TopicFeatured = "featured"
	TopicUsers    = "users"
	TopicCMS      = "cms"
)

// Notifier is what a writer needs: announce that data behind topics
// changed. httpapi holds one (nil-safe) as its Cache dependency.
type Notifier interface {
	// Invalidate applies to this instance before it returns and reaches
	// the others as soon as the transport allows. A non-nil error means
	// other instances may only learn of it through their entries' MaxAge.
	Invalidate(ctx context.Context, topics ...string) error
}

// Invalidator carries invalidations to every cache of every instance.
type Invalidator interface {
	Notifier
	// OnInvalidate registers fn, called with the topics of every
	// invalidation from any instance; all == true means "everything"
	// (after messages may have been lost). fn must not block.
	OnInvalidate(fn func(topics []string, all bool))
	// Start begins receiving other instances' invalidations.
	Start(ctx context.Context) error
	// Stop ends receiving; local invalidations keep working.
	Stop() error
}

// fanout is the set of local listeners shared by both implementations.
type fanout struct {
	mu  sync.RWMutex
	fns []func(topics []string, all bool)
}

func (f *fanout) add(fn func([]string, bool)) {
	f.mu.Lock()
	f.fns = append(f.fns, fn)
	f.mu.Unlock()
}

func (f *fanout) apply(topics []string, all bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	for _, fn := range f.fns {
		fn(topics, all)
	}
}

// Memory is the Invalidator of embedded mode: one process, delivery is a
// function call.
type Memory struct{ local fanout }

var _ Invalidator = (*Memory)(nil)

// NewMemory returns an in-process Invalidator.
func NewMemory() *Memory { return &Memory{} }

// Invalidate implements Notifier; it never fails.
func (m *Memory) Invalidate(_ context.Context, topics ...string) error {
	if len(topics) > 0 {
		m.local.apply(topics, false)
	}
	return nil
}

// OnInvalidate implements Invalidator.
func (m *Memory) OnInvalidate(fn func(topics []string, all bool)) { m.local.add(fn) }

// Start implements Invalidator; there is nothing to receive.
func (m *Memory) Start(context.Context) error { return nil }

// Stop implements Invalidator.
func (m *Memory) Stop() error { return nil }
