package ratelimit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/ratelimit"
	"github.com/kira-art/kira/internal/redistest"
)

// eachLimiter runs one conformance test on every backend: memory always,
// Redis when KIRA_TEST_REDIS_URL is set (with a key prefix of its own, so
// parallel tests and runs never share buckets).
func eachLimiter(t *testing.T, fn func(t *testing.T, l ratelimit.Limiter)) {
	t.Helper()
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		fn(t, ratelimit.NewMemory())
	})
	if redistest.URL() == "" {
		return
	}
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		fn(t, ratelimit.NewRedis(redistest.Client(t), "kiratest:"+uuid.NewString()+":"))
	})
}

func allow(t *testing.T, l ratelimit.Limiter, key string, lim ratelimit.Limit) (bool, time.Duration) {
	t.Helper()
	ok, retry, err := l.Allow(context.Background(), key, lim)
	if err != nil {
		t.Fatal(err)
	}
	return ok, retry
}

// TestLimiterBurstThenRefill: a full bucket lets Burst through at once,
// then refuses with the time to the next token, then refills.
func TestLimiterBurstThenRefill(t *testing.T) {
	t.Parallel()
	eachLimiter(t, func(t *testing.T, l ratelimit.Limiter) {
		lim := ratelimit.Limit{Rate: 10, Period: time.Second, Burst: 3} // a token every 100ms
		for i := range 3 {
			if ok, _ := allow(t, l, "k", lim); !ok {
				t.Fatalf("request %d of the burst refused", i+1)
			}
		}
		ok, retry := allow(t, l, "k", lim)
		if ok || retry <= 0 || retry > 100*time.Millisecond {
			t.Fatalf("4th: ok=%v retry=%v, want refused within 100ms", ok, retry)
		}
		deadline := time.Now().Add(3 * time.Second)
		for {
			if ok, _ := allow(t, l, "k", lim); ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the bucket never refilled")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// TestLimiterIndependentKeys: an empty bucket limits its key only.
func TestLimiterIndependentKeys(t *testing.T) {
	t.Parallel()
	eachLimiter(t, func(t *testing.T, l ratelimit.Limiter) {
		lim := ratelimit.Limit{Rate: 1, Period: time.Hour}
		if ok, _ := allow(t, l, "a", lim); !ok {
			t.Fatal("a: first refused")
		}
		if ok, _ := allow(t, l, "a", lim); ok {
			t.Fatal("a: second allowed")
		}
		if ok, _ := allow(t, l, "b", lim); !ok {
			t.Fatal("b limited by a's bucket")
		}
	})
}

// TestLimiterRetryAfter: the wait is the time to the next token.
func TestLimiterRetryAfter(t *testing.T) {
	t.Parallel()
	eachLimiter(t, func(t *testing.T, l ratelimit.Limiter) {
		lim := ratelimit.Limit{Rate: 2, Period: time.Minute, Burst: 1} // one token each 30s
		allow(t, l, "k", lim)
		ok, retry := allow(t, l, "k", lim)
		if ok || retry < 29*time.Second || retry > 30*time.Second {
			t.Fatalf("ok=%v retry=%v, want refused for ~30s", ok, retry)
		}
	})
}

// TestLimiterOff: a zero limit never limits.
func TestLimiterOff(t *testing.T) {
	t.Parallel()
	eachLimiter(t, func(t *testing.T, l ratelimit.Limiter) {
		for range 100 {
			if ok, _ := allow(t, l, "k", ratelimit.Limit{}); !ok {
				t.Fatal("the zero limit refused")
			}
		}
	})
}

// TestLimiterConcurrent: concurrent takers get exactly Burst tokens.
func TestLimiterConcurrent(t *testing.T) {
	t.Parallel()
	eachLimiter(t, func(t *testing.T, l ratelimit.Limiter) {
		lim := ratelimit.Limit{Rate: 20, Period: time.Hour}
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for range 60 {
			wg.Go(func() {
				if ok, _, err := l.Allow(context.Background(), "k", lim); err == nil && ok {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if n := allowed.Load(); n != 20 {
			t.Fatalf("%d allowed, want 20", n)
		}
	})
}

// TestRedisDownFails: a Redis that cannot be reached is an error (the
// HTTP side fails open on it), never a silent refusal.
func TestRedisDownFails(t *testing.T) {
	t.Parallel()
	l := ratelimit.NewRedis(unreachableRedis(t), "x:")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, _, err := l.Allow(ctx, "k", ratelimit.Limit{Rate: 1, Period: time.Second}); err == nil {
		t.Fatal("no error from an unreachable Redis")
	}
}
