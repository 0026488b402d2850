package ratelimit_test

import (
	"testing"

	"github.com/redis/go-redis/v9"
)

func unreachableRedis(t *testing.T) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { c.Close() }) //nolint:errcheck
	return c
}
