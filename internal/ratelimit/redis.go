package ratelimit

import (
	"context"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Redis is the Limiter shared by every instance on one Redis: each check
// is one Lua script (github.com/go-redis/redis_rate, GCRA like Memory)
// run with Redis's own clock, so instances with skewed clocks still
// agree. Keys expire when their bucket is full again.
type Redis struct {
	lim    *redis_rate.Limiter
	prefix string
}

// NewRedis limits through client; every key starts with prefix (e.g.
// "kira:ratelimit:"; redis_rate adds its own "rate:" in front).
func NewRedis(client redis.UniversalClient, prefix string) *Redis {
	return &Redis{lim: redis_rate.NewLimiter(client), prefix: prefix}
}

// Allow implements Limiter.
func (r *Redis) Allow(ctx context.Context, key string, l Limit) (bool, time.Duration, error) {
	if l.Off() {
		return true, 0, nil
	}
	res, err := r.lim.Allow(ctx, r.prefix+key, redis_rate.Limit{Rate: l.Rate, Period: l.Period, Burst: l.burst()})
	if err != nil {
		return false, 0, err
	}
	if res.Allowed > 0 {
		return true, 0, nil
	}
	return false, res.RetryAfter, nil
}
