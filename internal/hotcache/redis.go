package hotcache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultChannel is the pub/sub channel of the servers' invalidations.
const DefaultChannel = "kira:hotcache"

// publishTimeout bounds a publish so a hung Redis does not hold a write
// request; the cache then falls back to MaxAge on the other instances.
const publishTimeout = 2 * time.Second

// Redis is the Invalidator of distributed mode: invalidations apply
// locally and travel to the other instances over Redis pub/sub. Messages
// are "<origin> <topic>,<topic>…"; an instance ignores its own.
type Redis struct {
	client  *redis.Client
	channel string
	origin  string
	log     *slog.Logger
	local   fanout

	mu      sync.Mutex
	ps      *redis.PubSub
	done    chan struct{}
	stopped bool
}

var _ Invalidator = (*Redis)(nil)

// NewRedis returns an Invalidator on channel (DefaultChannel when empty;
// "kira:" is prefixed when missing, so every kira channel shares it).
// Call Start to receive other instances' invalidations.
func NewRedis(client *redis.Client, channel string, log *slog.Logger) *Redis {
	if channel == "" {
		channel = DefaultChannel
	}
	if !strings.HasPrefix(channel, "kira:") {
		channel = "kira:" + channel
	}
	if log == nil {
		log = slog.Default()
	}
	return &Redis{client: client, channel: channel, origin: newOrigin(), log: log}
}

func newOrigin() string {
	b := make([]byte, 8)
	rand.Read(b) //nolint:errcheck // crypto/rand does not fail
	return hex.EncodeToString(b)
}

// Channel reports the pub/sub channel in use.
func (r *Redis) Channel() string { return r.channel }

// Invalidate implements Notifier: local caches first (this instance is
// coherent whatever Redis does), then the publish.
func (r *Redis) Invalidate(ctx context.Context, topics ...string) error {
	if len(topics) == 0 {
		return nil
	}
	r.local.apply(topics, false)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	msg := r.origin + " " + strings.Join(topics, ",")
	if err := r.client.Publish(ctx, r.channel, msg).Err(); err != nil {
		r.log.Warn("hotcache: invalidation not published; other instances rely on max age",
			"topics", topics, "err", err)
		return fmt.Errorf("hotcache: publish: %w", err)
	}
	return nil
}

// OnInvalidate implements Invalidator.
func (r *Redis) OnInvalidate(fn func(topics []string, all bool)) { r.local.add(fn) }

// Start implements Invalidator. An unreachable Redis is not an error: the
// subscription keeps retrying in the background and caches meanwhile
// rely on MaxAge (a warning says so).
func (r *Redis) Start(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ps != nil || r.stopped {
		return nil
	}
	r.ps = r.client.Subscribe(ctx, r.channel)
	rctx, cancel := context.WithTimeout(ctx, publishTimeout)
	_, err := r.ps.Receive(rctx)
	cancel()
	if err != nil {
		r.log.Warn("hotcache: redis pub/sub unavailable; caches fall back to max age until it returns",
			"channel", r.channel, "err", err)
	}
	r.done = make(chan struct{})
	go r.dispatch(r.ps.ChannelWithSubscriptions(), r.done)
	return nil
}

func (r *Redis) dispatch(msgs <-chan any, done chan<- struct{}) {
	defer close(done)
	for m := range msgs {
		switch m := m.(type) {
		case *redis.Message:
			r.received(m.Payload)
		case *redis.Subscription:
			// A (re)subscription after a lost connection: whatever was
			// published meanwhile is gone, so forget everything.
			if m.Kind == "subscribe" {
				r.log.Info("hotcache: redis pub/sub (re)subscribed; invalidating all caches", "channel", r.channel)
				r.local.apply(nil, true)
			}
		}
	}
}

func (r *Redis) received(payload string) {
	origin, list, ok := strings.Cut(payload, " ")
	if !ok || origin == r.origin || list == "" {
		return
	}
	r.local.apply(strings.Split(list, ","), false)
}

// Stop implements Invalidator: it closes the subscription and waits for
// the dispatcher. The client stays open (its owner closes it).
func (r *Redis) Stop() error {
	r.mu.Lock()
	ps, done := r.ps, r.done
	r.ps, r.stopped = nil, true
	r.mu.Unlock()
	if ps == nil {
		return nil
	}
	err := ps.Close()
	<-done
	return err
}
