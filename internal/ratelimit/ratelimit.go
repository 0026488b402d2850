// Package ratelimit is kira's token-bucket rate limiting: one Limiter
// interface with an in-memory implementation (one process) and a Redis one
// (shared by every instance on one REDIS_URL). Both implement the same
// algorithm, GCRA — a token bucket kept as one timestamp per key — so a
// limit means the same thing whichever backend answers.
//
// The HTTP side (which routes, which keys, the 429 answer) lives in
// internal/httpapi; this package knows nothing of requests.
package ratelimit

import (
	"context"
	"time"
)

// Limit is a token bucket: Rate events per Period on average, at most
// Burst at once. A Limit with Rate ≤ 0 never limits.
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int // ≤ 0 = Rate
}

// Off reports whether the limit lets everything through.
func (l Limit) Off() bool { return l.Rate <= 0 || l.Period <= 0 }

// burst is the bucket size actually used.
func (l Limit) burst() int {
	if l.Burst <= 0 {
		return l.Rate
	}
	return l.Burst
}

// interval is the time one token takes to refill.
func (l Limit) interval() time.Duration { return l.Period / time.Duration(l.Rate) }

// Limiter takes one token from key's bucket. ok = false means the bucket
// is empty and retryAfter is when the next token is there. err is a
// backend failure (Redis down); callers decide whether to fail open.
type Limiter interface {
	Allow(ctx context.Context, key string, limit Limit) (ok bool, retryAfter time.Duration, err error)
}
