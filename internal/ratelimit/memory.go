package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Memory is the in-process Limiter (the default without REDIS_URL). Each
// key is one "theoretical arrival time" (GCRA); a key whose time has
// passed holds a full bucket, which is exactly what a missing key means,
// so such keys are dropped by the sweep with nothing lost. Memory is
// bounded by the keys active within one Period (and by maxKeys).
type Memory struct {
	mu        sync.Mutex
	tat       map[string]time.Time
	nextSweep int
	now       func() time.Time
}

const (
	minSweep = 1024
	// maxKeys caps the map when even a sweep leaves too many live keys
	// (a flood from many addresses): it then starts over, which forgets
	// limits rather than growing without bound.
	maxKeys = 1 << 20
)

// NewMemory returns an empty in-memory limiter.
func NewMemory() *Memory {
	return &Memory{tat: make(map[string]time.Time), nextSweep: minSweep, now: time.Now}
}

// Allow implements Limiter; it never fails.
func (m *Memory) Allow(_ context.Context, key string, l Limit) (bool, time.Duration, error) {
	if l.Off() {
		return true, 0, nil
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	tat, ok := m.tat[key]
	if !ok || tat.Before(now) {
		tat = now
	}
	next := tat.Add(l.interval())
	if wait := next.Add(-time.Duration(l.burst()) * l.interval()).Sub(now); wait > 0 {
		return false, wait, nil
	}
	m.tat[key] = next
	if len(m.tat) >= m.nextSweep {
		m.sweep(now)
	}
	return true, 0, nil
}

// sweep drops the keys whose bucket is full again; the next sweep comes
// when the map has doubled, so sweeping costs O(1) per call amortised.
func (m *Memory) sweep(now time.Time) {
	for k, t := range m.tat {
		if !t.After(now) {
			delete(m.tat, k)
		}
	}
	if len(m.tat) >= maxKeys {
		m.tat = make(map[string]time.Time)
	}
	m.nextSweep = max(2*len(m.tat), minSweep)
}

// Len is the number of keys held (for tests of the bound).
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tat)
}
