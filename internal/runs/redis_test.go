package runs

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisPair opens two instances on one prefix and returns them with a
// client for inspecting keys.
func redisPair(t *testing.T, ttl time.Duration) (a, b *Redis, c *redis.Client, prefix string) {
	t.Helper()
	if os.Getenv(envRedisURL) == "" {
		t.Skip(envRedisURL + " not set")
	}
	x, y := openRedis(t, ttl)
	a, b = x.(*Redis), y.(*Redis)
	return a, b, a.client, a.prefix
}

func TestRedisKeysAndExpiry(t *testing.T) {
	t.Parallel()
	a, _, c, prefix := redisPair(t, 30*time.Second)
	ctx := context.Background()
	run, thread := randomID(), randomID()
	appendN(t, a, run, 0, 1)
	if ttl := c.PTTL(ctx, prefix+"log:"+run).Val(); ttl < liveTTL-time.Minute || ttl > liveTTL {
		t.Fatalf("open log ttl %v, want about %v (a dead producer's log must expire)", ttl, liveTTL)
	}
	if err := a.Close(ctx, run); err != nil {
		t.Fatal(err)
	}
	if ttl := c.PTTL(ctx, prefix+"log:"+run).Val(); ttl <= 0 || ttl > 30*time.Second {
		t.Fatalf("closed log ttl %v, want ≤ 30s", ttl)
	}
	if err := a.Cancel(ctx, run); err != nil {
		t.Fatal(err)
	}
	if ttl := c.TTL(ctx, prefix+"cancel:"+run).Val(); ttl < CancelMemory-time.Minute || ttl > CancelMemory {
		t.Fatalf("cancel key ttl %v, want about 1h", ttl)
	}
	if err := a.Acquire(ctx, thread, "r1", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if v := c.Get(ctx, prefix+"lease:"+thread).Val(); v != "r1" {
		t.Fatalf("lease key holds %q", v)
	}
	if ttl := c.PTTL(ctx, prefix+"lease:"+thread).Val(); ttl <= 0 || ttl > 5*time.Second {
		t.Fatalf("lease ttl %v", ttl)
	}
}

// A producer whose instance dies leaves its chunks readable elsewhere, and
// whoever detects the death can close the log for the viewers.
func TestRedisDeadProducerLogIsReadable(t *testing.T) {
	t.Parallel()
	a, b, _, _ := redisPair(t, time.Minute)
	ctx := context.Background()
	run := randomID()
	ids := appendN(t, a, run, 0, 5)
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	sub, err := b.Tail(ctx, run, "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range ids {
		if ev := <-sub.Events(); ev.ID != ids[i] {
			t.Fatalf("event %d: %s, want %s", i, ev.ID, ids[i])
		}
	}
	if err := b.Close(ctx, run); err != nil { // marked failed by another instance
		t.Fatal(err)
	}
	if evs, err := collect(t, sub); len(evs) != 0 || err != nil {
		t.Fatalf("after close: %d events, err %v", len(evs), err)
	}
}

func TestRedisStopEndsSubscriptions(t *testing.T) {
	t.Parallel()
	a, b, _, _ := redisPair(t, time.Minute)
	ctx := context.Background()
	run := randomID()
	appendN(t, a, run, 0, 1)
	sub, err := b.Tail(ctx, run, "")
	if err != nil {
		t.Fatal(err)
	}
	<-sub.Events()
	if _, err := b.Subscribe(ctx, run); err != nil {
		t.Fatal(err)
	}
	if err := b.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := collect(t, sub); !errors.Is(err, ErrStopped) {
		t.Fatalf("Err = %v, want ErrStopped", err)
	}
	if _, err := b.Tail(ctx, run, ""); !errors.Is(err, ErrStopped) {
		t.Fatalf("Tail after Stop: %v", err)
	}
	if _, err := b.Subscribe(ctx, run); !errors.Is(err, ErrStopped) {
		t.Fatalf("Subscribe after Stop: %v", err)
	}
	eventually(t, "readers to exit", func() bool { return runGoroutines(run) == 0 })
}

// A cancel is not lost when the pub/sub connection drops: go-redis
// reconnects and the instance re-reads the cancel keys of its waiting runs.
func TestRedisCancelSurvivesPubSubReconnect(t *testing.T) {
	t.Parallel()
	a, _, _, prefix := redisPair(t, time.Minute)
	opt, _ := redis.ParseURL(os.Getenv(envRedisURL))
	opt.ClientName = "kiratest-" + randomID()
	bc := redis.NewClient(opt)
	t.Cleanup(func() { bc.Close() }) //nolint:errcheck
	b := NewRedis(bc, prefix, time.Minute)
	t.Cleanup(func() { b.Stop() }) //nolint:errcheck
	ctx := context.Background()
	run := randomID()
	ch, err := b.Subscribe(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	// Kill only this test's pub/sub connection: other tests share Redis.
	killed := false
	for _, line := range strings.Split(bc.ClientList(ctx).Val(), "\n") {
		if strings.Contains(line, "name="+opt.ClientName+" ") && strings.Contains(line, " sub=1 ") {
			id, _, _ := strings.Cut(strings.TrimPrefix(line, "id="), " ")
			if err := a.client.Do(ctx, "CLIENT", "KILL", "ID", id).Err(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	if !killed {
		t.Fatal("pub/sub connection not found in CLIENT LIST")
	}
	if err := a.Cancel(ctx, run); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, ch, "subscriber across a reconnect")
}
