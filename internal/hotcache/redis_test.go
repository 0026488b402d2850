package hotcache

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestRedisChannelName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"": "kira:hotcache", "kira:x": "kira:x", "x": "kira:x"} {
		if got := NewRedis(nil, in, nil).Channel(); got != want {
			t.Errorf("channel %q → %q, want %q", in, got, want)
		}
	}
}

// syncBuffer is a log sink safe for the dispatcher goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRedisDownFailsOpen: with Redis unreachable the instance starts,
// invalidates its own caches, warns and reports the publish error.
func TestRedisDownFailsOpen(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer client.Close()
	r := NewRedis(client, "kira:hotcachetest:"+randomID(), slog.New(slog.NewTextHandler(&logs, nil)))
	if err := r.Start(context.Background()); err != nil {
		t.Fatalf("Start with Redis down: %v", err)
	}
	defer r.Stop() //nolint:errcheck
	fill, _ := counting()
	c, _ := newPageCache(t, r, fill, TopicFeed)
	mustGet(t, c, "k")
	if err := r.Invalidate(context.Background(), TopicFeed); err == nil {
		t.Fatal("publish to a dead Redis reported no error")
	}
	if v := mustGet(t, c, "k").Value.Version; v != 2 {
		t.Fatalf("local cache not invalidated with Redis down: version %d", v)
	}
	if out := logs.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, "max age") {
		t.Fatalf("no warning logged: %s", out)
	}
}

// TestRedisResubscribeInvalidatesAll: when the pub/sub connection is lost
// and comes back, messages may have been missed, so every cache of the
// instance is dropped.
func TestRedisResubscribeInvalidatesAll(t *testing.T) {
	t.Parallel()
	if os.Getenv(envRedisURL) == "" {
		t.Skip(envRedisURL + " not set")
	}
	opt, err := redis.ParseURL(os.Getenv(envRedisURL))
	if err != nil {
		t.Fatal(err)
	}
	name := "kiratest-hotcache-" + randomID()
	opt.ClientName = name
	client := redis.NewClient(opt)
	defer client.Close()
	r := NewRedis(client, "kira:hotcachetest:"+randomID(), nil)
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer r.Stop() //nolint:errcheck
	var rec recorder
	r.OnInvalidate(rec.listen)
	fill, _ := counting()
	c, _ := newPageCache(t, r, fill, TopicCMS)
	mustGet(t, c, "en")

	admin := testRedisClient(t)
	killed := 0
	for _, line := range strings.Split(admin.ClientList(context.Background()).Val(), "\n") {
		if strings.Contains(line, " name="+name+" ") && strings.Contains(line, "sub=1") {
			id, _, _ := strings.Cut(strings.TrimPrefix(line, "id="), " ")
			if err := admin.Do(context.Background(), "CLIENT", "KILL", "ID", id).Err(); err != nil {
				t.Fatal(err)
			}
			killed++
		}
	}
	if killed != 1 {
		t.Fatalf("found %d pub/sub connections named %s", killed, name)
	}
	eventually(t, "the resubscription", func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return rec.all > 0
	})
	if v := mustGet(t, c, "en").Value.Version; v != 2 {
		t.Fatalf("version %d after a resubscription", v)
	}
}
