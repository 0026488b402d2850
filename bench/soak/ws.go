package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kira-art/kira/bench/internal/loadkit"

	"github.com/centrifugal/centrifuge-go"
	"github.com/google/uuid"
)

// wsClient is one websocket client (Centrifuge protocol, JSON) of a user,
// connected for the whole load; it counts what it hears and any
// disconnect, and passes task statuses on.
type wsClient struct {
	s     *soak
	u     *user
	cl    *centrifuge.Client
	label string

	mu       sync.Mutex
	statuses map[string][]string // task id → statuses pushed
	closing  bool
}

// dialWS connects a client of u to base and waits until it is connected.
func (s *soak) dialWS(ctx context.Context, base string, u *user, label string) (*wsClient, error) {
	ws := "ws" + strings.TrimPrefix(base, "http") + "/connection/websocket"
	cfg := centrifuge.Config{Token: u.token, Name: "soak"}
	if s.o.forwardedFor {
		cfg.Header = http.Header{"X-Forwarded-For": {u.ip}}
	}
	c := &wsClient{s: s, u: u, cl: centrifuge.NewJsonClient(ws, cfg), label: label, statuses: map[string][]string{}}
	connected := make(chan struct{})
	var once sync.Once
	t0 := time.Now()
	c.cl.OnConnected(func(centrifuge.ConnectedEvent) {
		once.Do(func() { s.rec.add("ws connect", t0, outcome{status: 101}); close(connected) })
	})
	c.cl.OnDisconnected(func(e centrifuge.DisconnectedEvent) {
		if !c.isClosing() {
			s.rec.count("ws "+label+" disconnects", outcome{kind: "disconnected", detail: e.Reason})
		}
	})
	c.cl.OnError(func(e centrifuge.ErrorEvent) {
		if !c.isClosing() {
			s.rec.count("ws "+label+" errors", outcome{kind: "error", detail: e.Error.Error()})
		}
	})
	if err := c.cl.Connect(); err != nil {
		return nil, err
	}
	select {
	case <-connected:
		return c, nil
	case <-time.After(30 * time.Second):
		c.close()
		s.rec.add("ws connect", t0, outcome{kind: "timeout", detail: "not connected in 30s"})
		return nil, context.DeadlineExceeded
	case <-ctx.Done():
		c.close()
		return nil, ctx.Err()
	}
}

// subscribe joins the user's channel of a thread.
func (c *wsClient) subscribe(threadID string) {
	ch := c.u.id + "/" + threadID + "#" + c.u.id
	sub, err := c.cl.NewSubscription(ch)
	if err != nil {
		c.s.rec.count("ws subscribe", outcome{kind: "error", detail: err.Error()})
		return
	}
	sub.OnSubscribed(func(centrifuge.SubscribedEvent) { c.s.rec.count("ws subscribe", outcome{}) })
	sub.OnError(func(e centrifuge.SubscriptionErrorEvent) {
		if !c.isClosing() {
			c.s.rec.count("ws subscribe", outcome{kind: "error", detail: e.Error.Error()})
		}
	})
	sub.OnPublication(c.publication)
	if err := sub.Subscribe(); err != nil {
		c.s.rec.count("ws subscribe", outcome{kind: "error", detail: err.Error()})
	}
}

// publication records a push and keeps task statuses.
func (c *wsClient) publication(e centrifuge.PublicationEvent) {
	var m struct{ Type, TaskID, Status string }
	json.Unmarshal(e.Data, &m) //nolint:errcheck // an odd payload counts under its empty type
	c.s.rec.count("ws push "+m.Type, outcome{})
	if m.TaskID == "" {
		return
	}
	c.mu.Lock()
	c.statuses[m.TaskID] = append(c.statuses[m.TaskID], m.Status)
	c.mu.Unlock()
}

// pushed reports whether status was pushed for the task.
func (c *wsClient) pushed(taskID, status string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.statuses[taskID] {
		if st == status {
			return true
		}
	}
	return false
}

// forget drops a finished task's statuses.
func (c *wsClient) forget(taskID string) {
	c.mu.Lock()
	delete(c.statuses, taskID)
	c.mu.Unlock()
}

func (c *wsClient) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

// close disconnects on purpose (not counted as a disconnect).
func (c *wsClient) close() {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	c.cl.Close()
}

// idleClients connects -ws clients, each subscribed to a channel of its
// user, spread over the instances, and keeps them until ctx ends.
func (s *soak) idleClients(ctx context.Context, n int) []*wsClient {
	out := make([]*wsClient, n)
	loadkit.ForEach(ctx, n, 8, func(ctx context.Context, i int) error { //nolint:errcheck // failures are recorded
		u := &s.users[i%len(s.users)]
		c, err := s.dialWS(ctx, s.o.urls[i%len(s.o.urls)], u, "idle")
		if err == nil {
			c.subscribe(uuid.NewString())
			out[i] = c
		}
		return nil
	})
	return out
}
