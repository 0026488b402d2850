package httpapi_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// redisEnv is one server instance of a distributed deployment: its runs
// live in Redis under prefix.
func redisEnv(t *testing.T, st *store.Store, url, prefix string, delay time.Duration) *env {
	return newEnv(t, st, slowModel(delay), func(c *config.Config) { c.RedisURL, c.RedisPrefix = url, prefix })
}

// Two server instances share one database and Redis: a run started on one
// is visible, resumable and stoppable from the other.
func TestTwoInstancesShareRunsThroughRedis(t *testing.T) {
	t.Parallel()
	url := os.Getenv("KIRA_TEST_REDIS_URL")
	if url == "" {
		t.Skip("KIRA_TEST_REDIS_URL not set")
	}
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			st := b.Open(t)
			prefix := "kiratest:" + uuid.NewString()[:8] + ":"
			one := redisEnv(t, st, url, prefix, 20*time.Millisecond)
			two := redisEnv(t, st, url, prefix, 20*time.Millisecond)
			u := one.newUser()
			id := one.newThread(u, "hello")
			// Each test instance has its own development key: same user, its token.
			tok2, err := two.key.Mint(u.ID, "", time.Hour, "")
			if err != nil {
				t.Fatal(err)
			}
			u2 := user{ID: u.ID, Token: tok2}
			first := one.openStream(context.Background(), "POST", "/agent/streaming", u.Token, streamBody(id, "u2", "write about owls and draw one"), nil)
			if _, err := first.next(); err != nil {
				t.Fatal(err)
			}
			expect(t, two.bad("POST", "/agent/streaming", u2.Token, streamBody(id, "u3", "again")), 409)
			replay := two.openStream(context.Background(), "GET", "/agent/stream/"+id, u2.Token, nil, nil)
			if ev, err := replay.next(); err != nil || ev.chunk(t)["type"] != "start" {
				t.Fatalf("replay on the other instance: %+v %v", ev, err)
			}
			var stop map[string]any
			expect(t, two.do("POST", "/agent/task/"+id+"/stop", u2.Token, nil), 200).json(t, &stop)
			if stop["stopped"] != true {
				t.Fatalf("stop via the other instance: %v", stop)
			}
			replay.all(t)
			first.all(t)
			var hist struct {
				Messages []struct{ Metadata map[string]any }
			}
			expect(t, one.do("GET", "/agent/chatMessages/"+id, u.Token, nil), 200).json(t, &hist)
			if meta := hist.Messages[len(hist.Messages)-1].Metadata; meta["status"] != "stopped" {
				t.Fatalf("stopped message metadata %v", meta)
			}
			expect(t, two.do("GET", "/agent/stream/"+id, u2.Token, nil), 204)
		})
	}
}
