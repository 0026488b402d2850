package realtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/realtime"
	"github.com/kira-art/kira/internal/redistest"
)

// redisConfig is a node on the test Redis under a prefix of its own, so
// parallel tests and earlier runs never share traffic; skips without
// KIRA_TEST_REDIS_URL.
func redisConfig(t *testing.T, prefix string) realtime.NodeConfig {
	t.Helper()
	if redistest.URL() == "" {
		t.Skipf("%s not set", redistest.EnvURL)
	}
	return realtime.NodeConfig{RedisURL: redistest.URL(), Prefix: prefix}
}

func TestRedisNodesShareTraffic(t *testing.T) {
	t.Parallel()
	prefix := "kira-test:realtime:" + newID()
	a, _ := startNode(t, redisConfig(t, prefix))
	_, urlB := startNode(t, redisConfig(t, prefix))
	user, thread := newID(), newID()
	s := connect(t, urlB, mint(t, user, time.Hour)).subscribed(t, realtime.UserChannel(user, thread))

	msg := `{"type":"video_status","taskId":"t","status":"completed"}`
	if err := a.Publish(context.Background(), realtime.UserChannel(user, thread), []byte(msg)); err != nil {
		t.Fatal(err)
	}
	if got := string(s.next(t)); got != msg {
		t.Fatalf("node B's client got %s, want %s", got, msg)
	}
}

func TestRedisPrefixesSeparateDeployments(t *testing.T) {
	t.Parallel()
	a, _ := startNode(t, redisConfig(t, "kira-test:realtime:"+newID()))
	b, urlB := startNode(t, redisConfig(t, "kira-test:realtime:"+newID()))
	user, thread := newID(), newID()
	ch := realtime.UserChannel(user, thread)
	s := connect(t, urlB, mint(t, user, time.Hour)).subscribed(t, ch)
	if err := a.Publish(context.Background(), ch, []byte(`{"from":"a"}`)); err != nil {
		t.Fatal(err)
	}
	// b's own publish arrives after a's would have, on the same Redis: the
	// first message seen must be b's.
	if err := b.Publish(context.Background(), ch, []byte(`{"from":"b"}`)); err != nil {
		t.Fatal(err)
	}
	if got := string(s.next(t)); got != `{"from":"b"}` {
		t.Fatalf("got %s across prefixes", got)
	}
}

func TestRedisNodeNeedsRedis(t *testing.T) {
	t.Parallel()
	// Both fail at start-up rather than leaving a node that reaches nobody.
	for _, url := range []string{"redis://", "redis://127.0.0.1:1/0"} {
		if _, err := realtime.NewNode(realtime.NodeConfig{Verify: hsVerify(testSecret), RedisURL: url}); err == nil {
			t.Errorf("RedisURL %q accepted", url)
		}
	}
}
