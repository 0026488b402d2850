package runs

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kira-art/kira/internal/redistest"
)

// envRedisURL enables the Redis leg of the suite, e.g.
// KIRA_TEST_REDIS_URL=redis://127.0.0.1:6379/0.
const envRedisURL = redistest.EnvURL

// opener returns two "instances" sharing one backend: for Redis two
// clients with their own Redis values, for Memory the same value twice
// (embedded mode has one instance). ttl is the logs' expiry after Close.
type opener func(t testing.TB, ttl time.Duration) (a, b Backend)

type backendCase struct {
	name string
	open opener
}

func backendCases() []backendCase {
	cs := []backendCase{{"memory", openMemory}}
	if os.Getenv(envRedisURL) != "" {
		cs = append(cs, backendCase{"redis", openRedis})
	}
	return cs
}

func openMemory(_ testing.TB, ttl time.Duration) (Backend, Backend) {
	m := NewMemory(ttl)
	return m, m
}

func openRedis(t testing.TB, ttl time.Duration) (Backend, Backend) {
	prefix := "kiratest:" + randomID() + ":"
	ca, cb := testRedisClient(t), testRedisClient(t)
	t.Cleanup(func() { deleteKeys(t, ca, prefix) })
	a, b := NewRedis(ca, prefix, ttl), NewRedis(cb, prefix, ttl)
	t.Cleanup(func() { a.Stop(); b.Stop() }) //nolint:errcheck
	return a, b
}

// testRedisClient connects to the test Redis (see internal/redistest).
func testRedisClient(t testing.TB) *redis.Client { return redistest.Client(t) }

func deleteKeys(t testing.TB, c *redis.Client, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := c.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		c.Del(ctx, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("cleaning %s*: %v", prefix, err)
	}
}

func randomID() string {
	b := make([]byte, 8)
	rand.Read(b) //nolint:errcheck
	return hex.EncodeToString(b)
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// collect reads a subscription to its end (10 s at most).
func collect(t testing.TB, s *Subscription) ([]Event, error) {
	t.Helper()
	var evs []Event
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				return evs, s.Err()
			}
			evs = append(evs, ev)
		case <-timeout:
			t.Fatalf("subscription still open after %d events", len(evs))
		}
	}
}

// waitClosed fails unless ch is closed within 10 s.
func waitClosed(t testing.TB, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: not signalled", what)
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// runGoroutines counts live goroutines labelled with runID (subscriptions
// and Redis readers), read from the goroutine profile so parallel tests
// do not disturb the count.
func runGoroutines(runID string) int {
	var buf bytes.Buffer
	pprof.Lookup("goroutine").WriteTo(&buf, 1) //nolint:errcheck
	label := strconv.Quote(goroutineLabel) + ":" + strconv.Quote(runID)
	n := 0
	for _, group := range strings.Split(buf.String(), "\n\n") {
		if !strings.Contains(group, label) {
			continue
		}
		count, _, _ := strings.Cut(group, " ")
		c, _ := strconv.Atoi(count)
		n += c
	}
	return n
}

// cancelSubscribers reports a backend's registered cancel subscribers.
func cancelSubscribers(b Backend, runID string) int {
	switch b := b.(type) {
	case *Memory:
		return b.sig.count(runID)
	case *Redis:
		return b.sig.count(runID)
	}
	panic("unknown backend")
}

func appendN(t testing.TB, l Log, runID string, from, n int) []string {
	t.Helper()
	ids := make([]string, 0, n)
	for i := from; i < from+n; i++ {
		id, err := l.Append(context.Background(), runID, chunkData(i))
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		ids = append(ids, id)
	}
	return ids
}

func chunkData(i int) []byte {
	return []byte(`{"type":"text-delta","id":"t","delta":"` + strconv.Itoa(i) + `"}`)
}
