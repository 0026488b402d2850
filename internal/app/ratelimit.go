package app

import "github.com/kira-art/kira/internal/ratelimit"

// rateLimiter shares the rate-limit buckets through Redis when REDIS_URL
// is set, so N instances enforce one limit; nil = httpapi keeps them in
// this process.
func (a *App) rateLimiter() ratelimit.Limiter {
	if a.redis == nil {
		return nil
	}
	return ratelimit.NewRedis(a.redis, a.cfg.RedisPrefix+"ratelimit:")
}
