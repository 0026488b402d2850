// Package runs coordinates chat runs across server instances
// (STREAMING.md §2): the per-run stream log that the POST response and
// every reconnecting viewer tail, the per-thread lease that allows one
// active run per thread, and the cancel signal that stops a run wherever it
// runs. Memory keeps all of it in process (embedded mode); Redis shares it
// between instances. Both pass one conformance suite.
package runs

import (
	"context"
	"errors"
	"time"
)

// Event is one entry of a run's stream log.
type Event struct {
	// ID is the entry's Redis-stream-style id "<ms>-<seq>"; ids grow within
	// a run and are what a viewer sends back as Last-Event-ID.
	ID string
	// Data is the appended bytes (one encoded chunk). It is shared between
	// subscribers and must not be modified.
	Data []byte
}

// Log is the append-only stream log of each run.
type Log interface {
	// Append adds data to the run's log, creating the log on first use, and
	// returns the entry's id. ErrClosed after Close.
	Append(ctx context.Context, runID string, data []byte) (string, error)
	// AppendAs is Append by the log's claimant (Claim): ErrFenced when
	// another writer has claimed the log since, so an instance that stalled
	// past its lease cannot interleave chunks with the instance that took
	// its run over, and ErrNotFound when the claim is gone (the log was
	// lost, e.g. Redis restarted without persistence), so a writer never
	// recreates a log that lacks its beginning.
	AppendAs(ctx context.Context, runID, writer string, data []byte) (string, error)
	// Claim makes writer the log's only writer from now on: the run's
	// producer claims it before its first chunk, an instance taking the
	// run over claims it again. Read the log after Claim: nothing more
	// from the old writer can arrive.
	Claim(ctx context.Context, runID, writer string) error
	// Close writes the end marker; the log expires a TTL later. Closing an
	// already closed log does nothing; closing a log that has no entries
	// creates an empty, closed one (a run that failed before any output).
	Close(ctx context.Context, runID string) error
	// Tail follows the run's log: the entries after the id `after` ("" =
	// from the first), then live ones, until the end marker or ctx's end.
	// Every subscription gets every entry exactly once, in order. It fails
	// at once with ErrNotFound when the log does not exist (never written,
	// or expired) and ErrBadEventID when after is not an event id. The
	// producer appends its first chunk before anyone tails, so "not found"
	// always means there is nothing to follow.
	Tail(ctx context.Context, runID, after string) (*Subscription, error)
	// Snapshot returns the entries written so far and whether the end
	// marker is among them, without waiting: what an instance taking over
	// a run whose producer died reads to learn where the run stopped.
	// ErrNotFound when the log does not exist.
	Snapshot(ctx context.Context, runID string) (events []Event, closed bool, err error)
}

// Leases gives each thread at most one active run across all instances.
// A lease expires unless renewed, so a run whose instance died frees its
// thread (and can be detected as failed) after the ttl.
type Leases interface {
	// Acquire takes the thread's lease for runID for ttl. It fails with
	// ErrLeaseHeld when another run holds it; acquiring again for the
	// holding run extends it.
	Acquire(ctx context.Context, threadID, runID string, ttl time.Duration) error
	// Renew extends the lease to ttl from now (the run's heartbeat);
	// ErrLeaseLost when runID does not hold it (any more).
	Renew(ctx context.Context, threadID, runID string, ttl time.Duration) error
	// Release frees the lease; ErrLeaseLost (and no change) when runID does
	// not hold it.
	Release(ctx context.Context, threadID, runID string) error
	// Holder reports the run holding the thread's lease, if any.
	Holder(ctx context.Context, threadID string) (runID string, ok bool, err error)
}

// Canceller carries stop requests to a run, wherever it runs.
type Canceller interface {
	// Cancel signals the run. The signal is remembered for CancelMemory, so
	// a run that subscribes after the stop request still sees it.
	Cancel(ctx context.Context, runID string) error
	// Subscribe returns a channel that is closed when the run is cancelled
	// (at once if it already was). When ctx ends the subscription ends and
	// the channel is never closed.
	Subscribe(ctx context.Context, runID string) (<-chan struct{}, error)
}

// Backend is everything a run needs from the coordination layer; Memory and
// Redis implement it.
type Backend interface {
	Log
	Leases
	Canceller
}

// CancelMemory is how long a cancel signal is remembered (the `cancel:<id>`
// key's expiry): far longer than a run may wait to subscribe.
const CancelMemory = time.Hour

// Errors reported by the implementations.
var (
	ErrNotFound   = errors.New("runs: log not found")
	ErrBadEventID = errors.New("runs: malformed event id")
	ErrClosed     = errors.New("runs: log closed")
	ErrFenced     = errors.New("runs: log claimed by another writer")
	ErrLeaseHeld  = errors.New("runs: lease held by another run")
	ErrLeaseLost  = errors.New("runs: lease not held by this run")
	ErrBadTTL     = errors.New("runs: ttl must be at least 1ms")
	// ErrStopped ends subscriptions when their backend shuts down.
	ErrStopped = errors.New("runs: backend stopped")
)

func checkTTL(ttl time.Duration) error {
	if ttl < time.Millisecond {
		return ErrBadTTL
	}
	return nil
}
