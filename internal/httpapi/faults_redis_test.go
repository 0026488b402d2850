package httpapi_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/faultproxy"
	"github.com/kira-art/kira/internal/redistest"
	"github.com/kira-art/kira/internal/store"
)

// redisOutage is how long the proxy drops every Redis connection: about
// what a Redis restart takes.
const redisOutage = 3 * time.Second

// streamEnd is how a run's SSE response ended.
type streamEnd struct {
	types []string // chunk types, in order
	done  bool     // [DONE] arrived
	err   error    // the body broke off (nil with done)
}

func (s streamEnd) String() string {
	last := "nothing"
	if n := len(s.types); n > 0 {
		last = s.types[n-1]
	}
	return "last chunk " + last + ", done " + map[bool]string{true: "yes", false: "no"}[s.done] +
		", " + strings.Join(s.types, " ")
}

// readEnd reads a stream to its end, however it ends.
func readEnd(t *testing.T, s *sseStream) streamEnd {
	t.Helper()
	defer s.resp.Body.Close()
	var out streamEnd
	for {
		ev, err := s.next()
		if err != nil {
			out.err = err
			return out
		}
		if ev.Data == "[DONE]" {
			out.done = true
			return out
		}
		typ, _ := ev.chunk(t)["type"].(string)
		out.types = append(out.types, typ)
	}
}

// TestRedisRestartMidRun: a run streams on a server whose Redis
// connections go through a proxy that drops them all for a few seconds
// (a Redis restart). The POST stream ends (finished or with an error, not
// hanging), no run is left running, nothing answers 500, and once Redis
// is back a new run and a reconnect to it work on the same server.
func TestRedisRestartMidRun(t *testing.T) {
	t.Parallel()
	if redistest.URL() == "" {
		t.Skipf("needs %s", redistest.EnvURL)
	}
	redistest.Client(t) // fail early when Redis is configured but down
	var mu sync.Mutex
	proxies := map[*testing.T]*faultproxy.Proxy{}
	forEachRawStoreWith(t, func(t *testing.T, st *store.Store) *env {
		ru, err := url.Parse(redistest.URL())
		if err != nil {
			t.Fatal(err)
		}
		proxy := faultproxy.New(t, ru.Host)
		ru.Host = proxy.Addr()
		mu.Lock()
		proxies[t] = proxy
		mu.Unlock()
		prefix := "kirafault:" + uuid.NewString()[:8] + ":"
		// 25 ms a token: the outage lands mid-run.
		return newEnv(t, st, slowModel(25*time.Millisecond), func(c *config.Config) { c.RedisURL, c.RedisPrefix = ru.String(), prefix })
	}, func(t *testing.T, e rawEnv) {
		mu.Lock()
		proxy := proxies[t]
		mu.Unlock()
		redisRestartMidRun(t, e, proxy)
	})
}

func redisRestartMidRun(t *testing.T, e rawEnv, proxy *faultproxy.Proxy) {
	u := e.newUser()
	thread := e.newThread(u, "hello")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s := e.openStream(ctx, "POST", "/agent/streaming", u.Token, streamBody(thread, "m1", "write about owls and draw one"), nil)
	if ev, err := s.next(); err != nil || ev.chunk(t)["type"] != "start" {
		t.Fatalf("first chunk %+v %v", ev, err)
	}
	proxy.Set(faultproxy.Down)
	cut := time.AfterFunc(redisOutage, func() { proxy.Set(faultproxy.Pass) }) // the outage's length, not a wait
	defer cut.Stop()
	began := time.Now()
	end := readEnd(t, s)
	t.Logf("the run's POST stream during the Redis outage: %v (err %v), %v after the cut", end, end.err, time.Since(began).Round(time.Millisecond))
	if end.done && (len(end.types) == 0 || end.types[len(end.types)-1] != "finish") {
		t.Fatalf("[DONE] without finish: %v", end)
	}
	if !end.done && (len(end.types) == 0 || end.types[len(end.types)-1] != "error") {
		t.Fatalf("the stream was cut without an error chunk: %v", end)
	}

	// The producer is alive: its run must end (finished, failed or
	// stopped), not stay running until a lease expires elsewhere.
	waitFor(t, "no running run of the thread", func() bool {
		return e.count("SELECT COUNT(*) FROM agent_runs WHERE thread_id = ? AND status = 'running'", thread) == 0
	})
	e.logRuns(thread)
	var hist struct {
		Messages []struct {
			Role     string
			Metadata map[string]any
		}
	}
	expect(t, e.do("GET", "/agent/chatMessages/"+thread, u.Token, nil), 200).json(t, &hist)
	last := hist.Messages[len(hist.Messages)-1]
	t.Logf("after the outage the thread's last message is %s with metadata %v", last.Role, last.Metadata)
	waitFor(t, "/ready after Redis is back", func() bool {
		r, _ := e.bounded(probe{name: "ready", method: "GET", path: "/ready"}, "")
		return r.Status == 200
	})
	for _, p := range []probe{{name: "messages", method: "GET", path: "/agent/chatMessages/" + thread},
		{name: "status", method: "GET", path: "/agent/task/" + thread + "/status"},
		{name: "reconnect", method: "GET", path: "/agent/stream/" + thread}} {
		if r, _ := e.bounded(p, u.Token); r.Status >= 500 {
			t.Fatalf("%s after the outage: %d %s", p.name, r.Status, r.Body)
		}
	}

	// A new run and a reconnect to it, on a thread the outage did not
	// touch: Redis works again for runs.
	other := e.newThread(u, "hello again")
	runAndReconnect(ctx, t, e.env, u, other, "m1")

	// The failed run's own thread: its Redis lease could not be released
	// while Redis was down, but the run has ended (its row says so), so
	// the thread takes a new run at once instead of answering 409
	// run_active until the lease expires.
	runAndReconnect(ctx, t, e.env, u, thread, "again")
}

// runAndReconnect starts a run on thread, reconnects to it while it
// streams, and checks both streams end with finish.
func runAndReconnect(ctx context.Context, t *testing.T, e *env, u user, thread, msgID string) {
	t.Helper()
	run := e.openStream(ctx, "POST", "/agent/streaming", u.Token, streamBody(thread, msgID, "write about owls"), nil)
	if ev, err := run.next(); err != nil || ev.chunk(t)["type"] != "start" {
		t.Fatalf("new run: first chunk %+v %v", ev, err)
	}
	replay := e.openStream(ctx, "GET", "/agent/stream/"+thread, u.Token, nil, nil)
	for name, s := range map[string]*sseStream{"new run": run, "reconnect": replay} {
		evs := s.all(t)
		if types := chunkTypes(t, evs); len(types) == 0 || types[len(types)-1] != "finish" {
			t.Fatalf("%s after the outage ended %v", name, types)
		}
	}
}

// logRuns logs the thread's run rows (what the agent made of a fault).
func (e rawEnv) logRuns(thread string) {
	e.t.Helper()
	q := "SELECT status, COALESCE(error, '') FROM agent_runs WHERE thread_id = ? ORDER BY started_at"
	if e.store.Dialect() == store.Postgres {
		q = strings.Replace(q, "?", "$1", 1)
	}
	rows, err := e.raw.Query(q, thread)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var status, msg string
		if err := rows.Scan(&status, &msg); err != nil {
			e.t.Fatal(err)
		}
		e.t.Logf("run row: %s %q", status, msg)
	}
}
