package httpapi

import (
	"context"
	"crypto/subtle"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/ratelimit"
)

// limitGroup names one expensive route group and picks its limits from
// RATE_LIMIT_*; the name is part of the bucket key, so each group has
// buckets of its own.
type limitGroup struct {
	name string
	pick func(config.RateLimitConfig) config.RouteLimits
}

var (
	limitStreaming = limitGroup{"streaming", func(c config.RateLimitConfig) config.RouteLimits { return c.Streaming }}
	limitUpload    = limitGroup{"upload", func(c config.RateLimitConfig) config.RouteLimits { return c.Upload }}
	limitPublish   = limitGroup{"publish", func(c config.RateLimitConfig) config.RouteLimits { return c.Publish }}
	limitDownload  = limitGroup{"download", func(c config.RateLimitConfig) config.RouteLimits { return c.Download }}
	limitSubmit    = limitGroup{"submit", func(c config.RateLimitConfig) config.RouteLimits { return c.Submit }}
)

// errRateLimited is the 429 body (API contract: {"message","error"}).
var errRateLimited = &apperr.Error{Kind: apperr.RateLimited, Message: "Too many requests", Code: "rate_limited"}

// limiterTimeout bounds one limiter call, so a Redis that hangs costs a
// request at most this much before it fails open.
const limiterTimeout = 500 * time.Millisecond

// rateLimits is the server's limiter with its metrics:
//
//	kira_rate_limited_total{route}     requests answered 429 ("global" = the per-IP limit on everything)
//	kira_rate_limit_errors_total       limiter failures (Redis down), each let through
type rateLimits struct {
	lim     ratelimit.Limiter
	limited *prometheus.CounterVec
	errors  prometheus.Counter
	lastLog atomic.Int64 // unix seconds of the last "limiter failing" log
}

func newRateLimits(lim ratelimit.Limiter, reg *prometheus.Registry) *rateLimits {
	if lim == nil {
		lim = ratelimit.NewMemory()
	}
	rl := &rateLimits{lim: lim,
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kira_rate_limited_total",
			Help: "Requests answered 429 Too Many Requests, by route pattern (global = the per-IP limit on every route)."}, []string{"route"}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "kira_rate_limit_errors_total",
			Help: "Rate limiter failures (e.g. Redis unreachable); each such request was let through."}),
	}
	if reg != nil {
		reg.MustRegister(rl.limited, rl.errors)
	}
	return rl
}

// limited applies a route group's per-user and per-IP limits. It goes
// inside requireAuth, since the per-user bucket needs the caller's id.
func (s *Server) limited(g limitGroup, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.Config.RateLimit.Enabled {
			l := g.pick(s.Config.RateLimit)
			if !s.allow(w, r, r.Pattern, "user:"+g.name+":"+userID(r), l.User) ||
				!s.allow(w, r, r.Pattern, "ip:"+g.name+":"+s.clientIPKey(r), l.IP) {
				return
			}
		}
		next(w, r)
	}
}

// limitIP is the middleware of the generous per-IP limit on every route.
// It never counts the probes (/health, /ready, /metrics) or requests that
// carry the right ADMIN_PASSWORD (the password routes are called by our
// own cron and operators); a wrong password is counted like anything else,
// which also slows guessing it.
func (s *Server) limitIP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.Config.RateLimit.Enabled || exemptFromIPLimit(r, s.Config.AdminPassword) ||
			s.allow(w, r, "global", "ip:all:"+s.clientIPKey(r), s.Config.RateLimit.IP) {
			next.ServeHTTP(w, r)
		}
	})
}

func exemptFromIPLimit(r *http.Request, password string) bool {
	switch r.URL.Path {
	case "/health", "/ready", "/metrics":
		return true
	}
	got := r.URL.Query().Get("password")
	return password != "" && got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(password)) == 1
}

// allow takes a token from key's bucket; when it is empty it answers 429
// with Retry-After and returns false. A failing limiter lets the request
// through (fail open: Redis down must not take the API down), logged at
// most once a minute and counted.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, route, key string, l ratelimit.Limit) bool {
	if l.Off() {
		return true
	}
	ctx, cancel := context.WithTimeout(r.Context(), limiterTimeout)
	defer cancel()
	ok, retry, err := s.limits.lim.Allow(ctx, key, l)
	if err != nil {
		s.limits.errors.Inc()
		if now := time.Now().Unix(); s.limits.lastLog.Load() <= now-60 && s.limits.lastLog.Swap(now) <= now-60 {
			s.log.WarnContext(r.Context(), "rate limiter failing; letting requests through", "err", err)
		}
		return true
	}
	if ok {
		return true
	}
	s.limits.limited.WithLabelValues(route).Inc()
	s.writeError(w, r, errRateLimited.WithRetryAfter(retry))
	return false
}

// clientIPKey is the per-IP bucket of the request (see ratelimit.ClientIP
// and RATE_LIMIT_TRUSTED_PROXIES).
func (s *Server) clientIPKey(r *http.Request) string {
	return ratelimit.IPKey(ratelimit.ClientIP(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), s.Config.RateLimit.TrustedProxies))
}
