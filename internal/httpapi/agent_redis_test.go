package httpapi_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/kira-art/kira/internal/agent"
	"github.com/kira-art/kira/internal/llm"
	"github.com/kira-art/kira/internal/media"
	"github.com/kira-art/kira/internal/runs"
	"github.com/kira-art/kira/internal/store/storetest"
)

// redisAgent wires env e to a Redis run backend under prefix, as one server
// instance of a distributed deployment.
func (e *env) redisAgent(url, prefix string, delay time.Duration) {
	e.t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		e.t.Fatal(err)
	}
	client := redis.NewClient(opts)
	if err := client.Ping(context.Background()).Err(); err != nil {
		e.t.Fatalf("redis at KIRA_TEST_REDIS_URL unreachable: %v", err)
	}
	backend := runs.NewRedis(client, prefix, time.Minute)
	svc := agent.New(agent.Deps{Store: e.store, Runs: backend, Model: llm.NewLocal(delay), Images: media.LocalImages{},
		Files: e.api.Files, ImageJSON: e.api.ImageJSON, TaskJSON: e.api.TaskJSON})
	svc.Start()
	e.t.Cleanup(func() {
		svc.Stop(context.Background()) //nolint:errcheck
		backend.Stop()                 //nolint:errcheck
		client.Close()
	})
	e.api.Agent, e.api.Runs = svc, backend
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
			one, two := newEnv(t, st), newEnv(t, st)
			one.redisAgent(url, prefix, 20*time.Millisecond)
			two.redisAgent(url, prefix, 20*time.Millisecond)
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
