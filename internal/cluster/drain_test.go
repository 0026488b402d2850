package cluster_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/centrifugal/centrifuge-go"
)

// balancer plays the load balancer in front of A and B: it polls each
// instance's /ready and sends requests only to the ready ones, as a real
// one does (so a request reaching a stopped listener would be a failure).
type balancer struct {
	insts []*proc
	ready []atomic.Bool
	next  atomic.Int64
}

func newBalancer(ctx context.Context, insts ...*proc) *balancer {
	b := &balancer{insts: insts, ready: make([]atomic.Bool, len(insts))}
	for i, p := range insts {
		b.ready[i].Store(true)
		go func() {
			for ctx.Err() == nil {
				r := do(p.url, "GET", "/ready", user{}, nil)
				b.ready[i].Store(r.Status == 200)
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	return b
}

// pick returns the next ready instance's base URL.
func (b *balancer) pick() *proc {
	for range len(b.insts) * 2 {
		i := int(b.next.Add(1)) % len(b.insts)
		if b.ready[i].Load() {
			return b.insts[i]
		}
	}
	return b.insts[len(b.insts)-1]
}

// drainA: runs stream on A and feed traffic flows through the balancer
// when A gets SIGTERM. /ready on A answers 503 at once; a new run on A is
// refused 503 draining with Retry-After; the running runs finish or are
// stopped at the deadline, every viewer's stream ends with finish, every
// run's message is stored (read from B); the traffic sees no failure; A
// exits cleanly and B keeps serving.
func (c *cluster) drainA(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	owner := c.newUser(t, c.b)
	feed := c.publish(t, c.b, owner)

	type started struct {
		u         user
		thread    string
		messageID string
		s         *stream
	}
	var runs []started
	for i := range 6 {
		u := c.newUser(t, c.a)
		thread := c.newThread(t, c.a, u, "hello")
		// A plain reply (~25 tokens of 200ms) finishes within the 6s the
		// drain gives runs; with thinking (pro) the reasoning comes first
		// and the run outlives it: stopped and saved at the deadline.
		thinking := i%2 == 1
		if thinking {
			c.kira(t, "plan", "--sub", u.ID, "--plan", "pro")
		}
		status, s, _, err := openStream(ctx, c.a.url, "POST", "/agent/streaming", u, map[string]any{"threadId": thread,
			"thinking": thinking, "messages": []any{textMessage("m1", "draw a small fox")}})
		if err != nil || status != 200 {
			t.Fatalf("start run %d on A: %d %v", i, status, err)
		}
		first, _, err := s.next()
		if err != nil || first.typ() != "start" {
			t.Fatalf("run %d: first chunk %v %v", i, first, err)
		}
		runs = append(runs, started{u, thread, first["messageId"].(string), s})
	}

	advised := watchReconnectAdvice(t, c.a, runs[0].u)
	lb := newBalancer(ctx, c.a, c.b)
	var traffic sync.WaitGroup
	var served, failed atomic.Int64
	var failures sync.Map
	for range 4 {
		traffic.Go(func() {
			for ctx.Err() == nil {
				inst := lb.pick()
				r := do(inst.url, "GET", "/feed/"+feed, user{}, nil)
				if r.Status == 200 {
					served.Add(1)
					time.Sleep(2 * time.Millisecond) // steady, not a flood: the machine is shared
					continue
				}
				if ctx.Err() == nil {
					failed.Add(1)
					failures.Store(fmt.Sprintf("%s: %d %v %s", inst.name, r.Status, r.Err, r.Body), true)
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond) // traffic on both before the signal

	if err := c.a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()
	var ready reply
	eventually(t, func() bool { ready = do(c.a.url, "GET", "/ready", user{}, nil); return ready.Status == 503 },
		func() string { return fmt.Sprintf("/ready on A during the drain: %d %v", ready.Status, ready.Err) })
	if d := time.Since(signalled); d > time.Second {
		t.Errorf("/ready took %v to answer 503", d)
	}
	late := c.newUser(t, c.b) // A drains: the profile is made through B
	lateThread := c.newThread(t, c.b, late, "hello")
	r := do(c.a.url, "POST", "/agent/streaming", late, map[string]any{"threadId": lateThread,
		"messages": []any{textMessage("m1", "draw a cat")}})
	if r.Status != 503 || r.Header.Get("Retry-After") == "" || !strings.Contains(string(r.Body), `"error":"draining"`) ||
		!strings.Contains(string(r.Body), `"message"`) {
		t.Errorf("new run on draining A: %d Retry-After %q %s (%v), want 503 draining", r.Status, r.Header.Get("Retry-After"), r.Body, r.Err)
	}

	var viewers sync.WaitGroup
	for i, run := range runs {
		viewers.Go(func() {
			chunks, err := run.s.rest()
			if err != nil || lastType(chunks) != "finish" {
				t.Errorf("run %d viewer on A: ended with %s (%v), want finish then [DONE]", i, lastType(chunks), err)
			}
		})
	}
	viewers.Wait()
	select {
	case <-c.a.done:
		if c.a.err != nil {
			t.Errorf("A exited with %v after SIGTERM\n%s", c.a.err, c.a.logs)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("A did not exit after SIGTERM")
	}
	took := time.Since(signalled)
	select {
	case <-advised:
	case <-time.After(5 * time.Second):
		t.Error("the websocket client on A was not disconnected with the shutdown code (reconnect advised)")
	}
	time.Sleep(200 * time.Millisecond) // B alone serves for a moment
	cancel()
	traffic.Wait()

	statuses := map[string]int{}
	for i, run := range runs {
		msgs := c.messages(t, c.b, run.u, run.thread)
		last := msgs[len(msgs)-1]
		if last.ID != run.messageID || last.Role != "assistant" {
			t.Errorf("run %d: the last stored message is %+v, want the assistant message %s", i, last, run.messageID)
			continue
		}
		var status string
		if err := c.db.QueryRow(`SELECT status FROM agent_runs WHERE thread_id = $1 ORDER BY started_at DESC LIMIT 1`,
			run.thread).Scan(&status); err != nil {
			t.Fatal(err)
		}
		statuses[status]++
		if (status == "stopped") != (last.Metadata.Status == "stopped") || (status != "stopped" && status != "completed") {
			t.Errorf("run %d: run %s, message metadata status %q", i, status, last.Metadata.Status)
		}
	}
	if statuses["completed"] == 0 || statuses["stopped"] == 0 {
		t.Errorf("runs ended %v, want short ones completed during the drain and long ones stopped at its deadline", statuses)
	}
	failures.Range(func(k, _ any) bool { t.Errorf("client request failed during the drain: %v", k); return true })
	if served.Load() == 0 {
		t.Error("no traffic served")
	}
	c.call(c.b, "GET", "/feed/"+feed, user{}, nil).want(t, 200)
	t.Logf("drain took %v; runs %v; %d feed requests served, %d failed", took, statuses, served.Load(), failed.Load())
}

// watchReconnectAdvice connects a websocket client to inst; the returned
// channel closes when the server disconnected it with Centrifuge's
// shutdown code (3001: the client reconnects, through the balancer to
// another instance).
func watchReconnectAdvice(t *testing.T, inst *proc, u user) <-chan struct{} {
	t.Helper()
	ws := "ws" + strings.TrimPrefix(inst.url, "http") + "/connection/websocket"
	cl := centrifuge.NewJsonClient(ws, centrifuge.Config{Token: u.Token})
	t.Cleanup(cl.Close)
	connected, advised := make(chan struct{}), make(chan struct{})
	var once, onceAdvised sync.Once
	cl.OnConnected(func(centrifuge.ConnectedEvent) { once.Do(func() { close(connected) }) })
	cl.OnConnecting(func(e centrifuge.ConnectingEvent) {
		if e.Code == 3001 {
			onceAdvised.Do(func() { close(advised) })
		}
	})
	if err := cl.Connect(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-connected:
	case <-time.After(15 * time.Second):
		t.Fatal("websocket client on A not connected")
	}
	return advised
}
