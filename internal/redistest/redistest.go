// Package redistest connects tests to the Redis named by
// KIRA_TEST_REDIS_URL: the Redis legs of the runs, cache and HTTP suites
// run when it is set and fail (not skip) when it is set but unreachable.
package redistest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// EnvURL names the variable that enables the Redis legs.
const EnvURL = "KIRA_TEST_REDIS_URL"

// URL is the configured test Redis ("" = Redis legs off).
func URL() string { return os.Getenv(EnvURL) }

// Client connects to the test Redis, closed when the test ends; it fails
// the test when Redis is configured but unreachable.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(URL())
	if err != nil {
		t.Fatalf("%s: %v", EnvURL, err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() }) //nolint:errcheck
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis at %s unreachable: %v", EnvURL, err)
	}
	return c
}
