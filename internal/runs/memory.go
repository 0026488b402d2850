package runs

import (
	"context"
	"sync"
	"time"
)

// Memory is the in-process Backend of embedded mode: one instance, nothing
// survives a restart (neither do the runs, which live in the same process).
type Memory struct {
	ttl time.Duration

	mu        sync.Mutex
	logs      map[string]*logBuffer
	leases    map[string]memLease
	cancelled map[string]bool
	sig       signals
}

type memLease struct {
	runID   string
	expires time.Time
}

var _ Backend = (*Memory)(nil)

// NewMemory returns an empty in-process backend whose closed logs are
// forgotten ttl after Close (like the Redis keys' expiry), so reconnects
// shortly after a run's end still replay it.
func NewMemory(ttl time.Duration) *Memory {
	return &Memory{
		ttl:       ttl,
		logs:      map[string]*logBuffer{},
		leases:    map[string]memLease{},
		cancelled: map[string]bool{},
	}
}

// Append implements Log. data is copied.
func (m *Memory) Append(ctx context.Context, runID string, data []byte) (string, error) {
	return m.AppendAs(ctx, runID, "", data)
}

// AppendAs implements Log.
func (m *Memory) AppendAs(ctx context.Context, runID, writer string, data []byte) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	b := m.log(runID, true)
	return b.appendNew(uint64(time.Now().UnixMilli()), writer, append([]byte(nil), data...))
}

// Claim implements Log.
func (m *Memory) Claim(ctx context.Context, runID, writer string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b := m.log(runID, true)
	b.mu.Lock()
	b.writer = writer
	b.mu.Unlock()
	return nil
}

// Close implements Log.
func (m *Memory) Close(ctx context.Context, runID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b := m.log(runID, true)
	if !b.end(nil) {
		return nil // already closed: keep the first expiry
	}
	time.AfterFunc(m.ttl, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.logs[runID] == b {
			delete(m.logs, runID)
		}
	})
	return nil
}

// Tail implements Log.
func (m *Memory) Tail(ctx context.Context, runID, after string) (*Subscription, error) {
	from, err := afterID(after)
	if err != nil {
		return nil, err
	}
	b := m.log(runID, false)
	if b == nil {
		return nil, ErrNotFound
	}
	return follow(ctx, runID, b, from, nil), nil
}

// Snapshot implements Log.
func (m *Memory) Snapshot(ctx context.Context, runID string) ([]Event, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	b := m.log(runID, false)
	if b == nil {
		return nil, false, ErrNotFound
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	evs := make([]Event, len(b.entries))
	for i, e := range b.entries {
		evs[i] = e.ev
	}
	return evs, b.ended, nil
}

func (m *Memory) log(runID string, create bool) *logBuffer {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.logs[runID]
	if b == nil && create {
		b = newLogBuffer()
		m.logs[runID] = b
	}
	return b
}

// afterID parses a Tail position; nil means from the first entry.
func afterID(after string) (*eventID, error) {
	if after == "" {
		return nil, nil
	}
	id, ok := parseEventID(after)
	if !ok {
		return nil, ErrBadEventID
	}
	return &id, nil
}

// Acquire implements Leases.
func (m *Memory) Acquire(ctx context.Context, threadID, runID string, ttl time.Duration) error {
	if err := checkTTL(ttl); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if l, ok := m.leases[threadID]; ok && now.Before(l.expires) && l.runID != runID {
		return ErrLeaseHeld
	}
	m.leases[threadID] = memLease{runID: runID, expires: now.Add(ttl)}
	return nil
}

// Renew implements Leases.
func (m *Memory) Renew(ctx context.Context, threadID, runID string, ttl time.Duration) error {
	if err := checkTTL(ttl); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if !m.holdsLocked(threadID, runID, now) {
		return ErrLeaseLost
	}
	m.leases[threadID] = memLease{runID: runID, expires: now.Add(ttl)}
	return nil
}

// Release implements Leases.
func (m *Memory) Release(ctx context.Context, threadID, runID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.holdsLocked(threadID, runID, time.Now()) {
		return ErrLeaseLost
	}
	delete(m.leases, threadID)
	return nil
}

// Holder implements Leases.
func (m *Memory) Holder(ctx context.Context, threadID string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.leases[threadID]
	if !ok || !time.Now().Before(l.expires) {
		// Expired leases are dropped lazily, here and on the next Acquire.
		delete(m.leases, threadID)
		return "", false, nil
	}
	return l.runID, true, nil
}

func (m *Memory) holdsLocked(threadID, runID string, now time.Time) bool {
	l, ok := m.leases[threadID]
	return ok && l.runID == runID && now.Before(l.expires)
}

// Cancel implements Canceller.
func (m *Memory) Cancel(ctx context.Context, runID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.cancelled[runID] {
		m.cancelled[runID] = true
		time.AfterFunc(CancelMemory, func() {
			m.mu.Lock()
			defer m.mu.Unlock()
			delete(m.cancelled, runID)
		})
	}
	m.sig.fire(runID)
	return nil
}

// Subscribe implements Canceller.
func (m *Memory) Subscribe(ctx context.Context, runID string) (<-chan struct{}, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Holding m.mu orders this against Cancel: the signal is either
	// already recorded or fires the channel registered here.
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cancelled[runID] {
		ch := make(chan struct{})
		close(ch)
		return ch, nil
	}
	return m.sig.add(ctx, runID), nil
}
