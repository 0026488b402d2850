package runs

import (
	"context"
	"runtime/pprof"
	"sort"
	"sync"
)

// entry is a log event with its parsed id, so subscribers compare ids
// without parsing.
type entry struct {
	id eventID
	ev Event
}

// logBuffer is an in-process copy of one run's log that any number of
// subscriptions read at their own pace. Memory keeps the log itself in it;
// Redis fills one per followed run from the stream, so viewers on one
// instance share a single Redis reader.
type logBuffer struct {
	mu      sync.Mutex
	entries []entry
	ended   bool   // the end marker was reached
	writer  string // Memory: the claimant, the only writer AppendAs accepts
	err     error  // the source failed; entries before it are still served
	// wake is closed and replaced on every change, waking all waiting
	// subscriptions at once without a per-subscriber queue.
	wake chan struct{}
}

func newLogBuffer() *logBuffer { return &logBuffer{wake: make(chan struct{})} }

func (b *logBuffer) notifyLocked() {
	close(b.wake)
	b.wake = make(chan struct{})
}

// add appends entries read from a source (ids already assigned).
func (b *logBuffer) add(es ...entry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.entries = append(b.entries, es...)
	b.notifyLocked()
}

// appendNew assigns the next id at nowMS and appends data; Memory's Append.
func (b *logBuffer) appendNew(nowMS uint64, writer string, data []byte) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ended {
		return "", ErrClosed
	}
	switch {
	case writer == "" || writer == b.writer:
	case b.writer == "":
		return "", ErrNotFound
	default:
		return "", ErrFenced
	}
	var last eventID
	if n := len(b.entries); n > 0 {
		last = b.entries[n-1].id
	}
	id := last.next(nowMS)
	ev := Event{ID: id.String(), Data: data}
	b.entries = append(b.entries, entry{id, ev})
	b.notifyLocked()
	return ev.ID, nil
}

// end records the end marker (err nil) or the source's failure. Only the
// first call counts; it reports whether this call was it.
func (b *logBuffer) end(err error) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ended || b.err != nil {
		return false
	}
	if err == nil {
		b.ended = true
	} else {
		b.err = err
	}
	b.notifyLocked()
	return true
}

// read returns the entries from index pos on and, when there are none, how
// the log stands and what to wait on.
func (b *logBuffer) read(pos int) (batch []entry, ended bool, wake <-chan struct{}, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if pos < len(b.entries) {
		// The slice is only ever appended to, so the prefix is stable.
		return b.entries[pos:len(b.entries):len(b.entries)], false, nil, nil
	}
	return nil, b.ended, b.wake, b.err
}

// seek returns the index of the first entry after id.
func (b *logBuffer) seek(id eventID) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return sort.Search(len(b.entries), func(i int) bool { return b.entries[i].id.compare(id) > 0 })
}

// Subscription is one viewer's tail of a run's log.
type Subscription struct {
	events chan Event
	mu     sync.Mutex
	err    error
}

// Events delivers the log's entries in order. It is closed when the log
// ends, when the subscription's context ends, or on failure; Err tells
// which.
func (s *Subscription) Events() <-chan Event { return s.events }

// Err returns why Events was closed: nil when the log's end marker was
// reached (the stream is complete), the context's error when it ended
// first, or the backend's failure. It is nil while Events is open.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// eventBuffer lets a subscription run ahead of a slow viewer by a few
// events, so one send does not wait for each network write.
const eventBuffer = 64

// goroutineLabel marks the goroutines that serve a run (subscriptions and
// Redis readers) with the run id in goroutine profiles, which shows what a
// stuck or leaked goroutine was doing and lets tests count them.
const goroutineLabel = "kira.runs.run"

// follow starts a subscription reading b from after (nil = the start).
// done runs when the subscription's goroutine exits.
func follow(ctx context.Context, runID string, b *logBuffer, after *eventID, done func()) *Subscription {
	s := &Subscription{events: make(chan Event, eventBuffer)}
	pprof.Do(context.Background(), pprof.Labels(goroutineLabel, runID), func(context.Context) {
		go func() {
			err := s.serve(ctx, b, after)
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
			close(s.events)
			if done != nil {
				done()
			}
		}()
	})
	return s
}

func (s *Subscription) serve(ctx context.Context, b *logBuffer, after *eventID) error {
	pos := 0
	if after != nil {
		pos = b.seek(*after)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch, ended, wake, err := b.read(pos)
		for _, e := range batch {
			pos++
			// Entries appended after the seek can still be at or before
			// `after` when it names a future id; skip those too.
			if after != nil && e.id.compare(*after) <= 0 {
				continue
			}
			select {
			case s.events <- e.ev:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if len(batch) > 0 {
			continue
		}
		switch {
		case err != nil:
			return err
		case ended:
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
