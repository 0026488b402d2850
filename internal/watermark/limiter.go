package watermark

import (
	"context"
	"errors"
	"time"
)

// ErrBusy is returned when every Limiter slot stayed taken for the whole
// wait: the caller answers "try again later" rather than queueing without
// bound behind minutes-long encodes.
var ErrBusy = errors.New("watermark: too many videos are being watermarked, try again later")

// Limiter caps how many ffmpeg processes run at once (each takes a core
// or more and memory proportional to the frame size). Safe for concurrent
// use; share one per process.
type Limiter struct {
	slots chan struct{}
	wait  time.Duration
}

// NewLimiter allows n concurrent runs (at least 1); a caller finding them
// all taken waits up to wait for one to free before getting ErrBusy.
func NewLimiter(n int, wait time.Duration) *Limiter {
	return &Limiter{slots: make(chan struct{}, max(1, n)), wait: max(0, wait)}
}

// Acquire takes a slot, waiting up to the Limiter's wait or until ctx
// ends. The returned release frees it; call it exactly once.
func (l *Limiter) Acquire(ctx context.Context) (release func(), err error) {
	release = func() { <-l.slots }
	select {
	case l.slots <- struct{}{}:
		return release, nil
	default:
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	timer := time.NewTimer(l.wait)
	defer timer.Stop()
	select {
	case l.slots <- struct{}{}:
		return release, nil
	case <-timer.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Running reports how many slots are taken, for metrics and tests.
func (l *Limiter) Running() int { return len(l.slots) }
