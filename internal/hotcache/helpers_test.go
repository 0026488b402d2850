package hotcache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kira-art/kira/internal/redistest"
)

// envRedisURL enables the Redis leg of the suite, e.g.
// KIRA_TEST_REDIS_URL=redis://127.0.0.1:6379/0.
const envRedisURL = redistest.EnvURL

// opener returns two instances sharing one transport: for Redis two
// clients on one fresh channel, for Memory the same value twice (embedded
// mode has one instance).
type opener func(t testing.TB) (a, b Invalidator)

type invalidatorCase struct {
	name string
	open opener
}

func invalidatorCases() []invalidatorCase {
	cs := []invalidatorCase{{"memory", openMemory}}
	if os.Getenv(envRedisURL) != "" {
		cs = append(cs, invalidatorCase{"redis", openRedis})
	}
	return cs
}

func openMemory(testing.TB) (Invalidator, Invalidator) {
	m := NewMemory()
	return m, m
}

func openRedis(t testing.TB) (Invalidator, Invalidator) {
	channel := "kira:hotcachetest:" + randomID()
	a := NewRedis(testRedisClient(t), channel, nil)
	b := NewRedis(testRedisClient(t), channel, nil)
	for _, r := range []*Redis{a, b} {
		if err := r.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Stop() }) //nolint:errcheck
	}
	return a, b
}

// testRedisClient connects to the test Redis (see internal/redistest).
func testRedisClient(t testing.TB) *redis.Client { return redistest.Client(t) }

func randomID() string {
	b := make([]byte, 8)
	rand.Read(b) //nolint:errcheck
	return hex.EncodeToString(b)
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// clock is a hand-moved time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// page is a stand-in for a feed page.
type page struct {
	Version int      `json:"version"`
	Key     string   `json:"key"`
	Items   []string `json:"items"`
}

// counting returns a Fill whose values carry an increasing version, and
// the counter.
func counting() (func(context.Context, string) (page, error), *atomic.Int64) {
	var n atomic.Int64
	return func(_ context.Context, key string) (page, error) {
		v := int(n.Add(1))
		return page{Version: v, Key: key, Items: []string{fmt.Sprint("post-", v)}}, nil
	}, &n
}

func encodeJSON(p page) ([]byte, error) { return json.Marshal(p) }

// newPageCache builds a cache of pages on inv with a hand clock.
func newPageCache(t testing.TB, inv Invalidator, fill func(context.Context, string) (page, error), topics ...string) (*Cache[page], *clock) {
	t.Helper()
	clk := newClock()
	c, err := New(inv, Options[page]{Name: "test", Topics: topics, MaxAge: time.Second, Fill: fill,
		Encode: encodeJSON, ContentType: "application/json", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return c, clk
}

func mustGet(t testing.TB, c *Cache[page], key string) *Entry[page] {
	t.Helper()
	e, err := c.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// recv receives from ch or fails after 10 s.
func recv[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing received in 10 s")
	}
	var zero T
	return zero
}
