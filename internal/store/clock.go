package store

import (
	"sync"
	"time"
)

// micros is how every timestamp is stored: Unix microseconds, UTC.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros is the inverse of micros.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// optMicros reads a nullable timestamp column.
func optMicros(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := fromMicros(*v)
	return &t
}

var clock struct {
	sync.Mutex
	last int64
}

// now returns strictly increasing timestamps within this process, so rows
// written in one request (a user message, then its reply) keep their order
// even when the wall clock has not moved.
func now() time.Time {
	clock.Lock()
	defer clock.Unlock()
	t := time.Now().UnixMicro()
	if t <= clock.last {
		t = clock.last + 1
	}
	clock.last = t
	return fromMicros(t)
}
