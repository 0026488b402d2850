package runs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the Backend shared by all instances of distributed mode. Keys,
// all under the prefix: "log:<run>" (a stream; entry field "d" holds a
// chunk, an entry with field "end" is the end marker), "lease:<thread>"
// (the holding run id, with a PX expiry) and "cancel:<run>" (1 h); cancel
// signals are published on the channel "cancel" with the run id.
type Redis struct {
	client *redis.Client
	prefix string
	ttl    time.Duration

	feedsMu sync.Mutex
	feeds   map[string]*feed

	sig    signals
	psMu   sync.Mutex
	ps     *redis.PubSub
	closed bool
}

var _ Backend = (*Redis)(nil)

// NewRedis returns a backend on client whose keys start with prefix (e.g.
// "kira:") and whose logs expire ttl after Close. It does not own client;
// call Stop to end its background readers before closing the client.
func NewRedis(client *redis.Client, prefix string, ttl time.Duration) *Redis {
	return &Redis{client: client, prefix: prefix, ttl: ttl, feeds: map[string]*feed{}}
}

// Stop ends the cancel listener and every log subscription (with
// ErrStopped); later Tail and Subscribe calls fail with ErrStopped. The
// client stays open. (Not Close, which is Log's end marker.)
func (r *Redis) Stop() error {
	r.psMu.Lock()
	r.closed = true
	ps := r.ps
	r.ps = nil
	r.psMu.Unlock()

	r.feedsMu.Lock()
	for _, f := range r.feeds {
		f.stop()
	}
	r.feeds = nil // marks the log side stopped: Tail fails with ErrStopped
	r.feedsMu.Unlock()
	if ps != nil {
		return ps.Close()
	}
	return nil
}

func (r *Redis) logKey(runID string) string      { return r.prefix + "log:" + runID }
func (r *Redis) leaseKey(threadID string) string { return r.prefix + "lease:" + threadID }
func (r *Redis) cancelKey(runID string) string   { return r.prefix + "cancel:" + runID }
func (r *Redis) cancelChannel() string           { return r.prefix + "cancel" }

// boolReply reads a script's 1/0 answer.
func boolReply(v any) bool {
	n, _ := v.(int64)
	return n == 1
}

func redisErr(op string, err error) error {
	return fmt.Errorf("runs: redis %s: %w", op, err)
}

// The lease scripts compare the holder before changing anything, so a run
// whose lease expired and was taken over cannot extend or delete the new
// holder's lease.
var (
	acquireScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`)
	renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`)
	releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`)
)

// Acquire implements Leases.
func (r *Redis) Acquire(ctx context.Context, threadID, runID string, ttl time.Duration) error {
	return r.lease(ctx, acquireScript, threadID, runID, ttl, ErrLeaseHeld)
}

// Renew implements Leases.
func (r *Redis) Renew(ctx context.Context, threadID, runID string, ttl time.Duration) error {
	return r.lease(ctx, renewScript, threadID, runID, ttl, ErrLeaseLost)
}

// Release implements Leases.
func (r *Redis) Release(ctx context.Context, threadID, runID string) error {
	v, err := releaseScript.Run(ctx, r.client, []string{r.leaseKey(threadID)}, runID).Result()
	if err != nil {
		return redisErr("release", err)
	}
	if !boolReply(v) {
		return ErrLeaseLost
	}
	return nil
}

func (r *Redis) lease(ctx context.Context, s *redis.Script, threadID, runID string, ttl time.Duration, refused error) error {
	if err := checkTTL(ttl); err != nil {
		return err
	}
	v, err := s.Run(ctx, r.client, []string{r.leaseKey(threadID)}, runID, ttl.Milliseconds()).Result()
	if err != nil {
		return redisErr("lease", err)
	}
	if !boolReply(v) {
		return refused
	}
	return nil
}

// Holder implements Leases.
func (r *Redis) Holder(ctx context.Context, threadID string) (string, bool, error) {
	runID, err := r.client.Get(ctx, r.leaseKey(threadID)).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, redisErr("holder", err)
	}
	return runID, true, nil
}

// Cancel implements Canceller: the key covers runs that subscribe later,
// the publish reaches runs already waiting on any instance. MULTI makes
// both happen or neither.
func (r *Redis) Cancel(ctx context.Context, runID string) error {
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, r.cancelKey(runID), "1", CancelMemory)
		p.Publish(ctx, r.cancelChannel(), runID)
		return nil
	})
	if err != nil {
		return redisErr("cancel", err)
	}
	return nil
}

// Subscribe implements Canceller. The pub/sub subscription is confirmed
// before the key is read, so a cancel is seen either through the key or
// through the message, never missed in between.
func (r *Redis) Subscribe(ctx context.Context, runID string) (<-chan struct{}, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := r.listen(ctx); err != nil {
		return nil, err
	}
	ch := r.sig.add(ctx, runID)
	n, err := r.client.Exists(ctx, r.cancelKey(runID)).Result()
	if err != nil {
		r.sig.remove(runID, ch)
		return nil, redisErr("subscribe", err)
	}
	if n > 0 {
		r.sig.fire(runID)
	}
	return ch, nil
}

// listen starts the instance's one pub/sub connection for cancel signals
// on first use; all runs share it instead of a connection each.
func (r *Redis) listen(ctx context.Context) error {
	r.psMu.Lock()
	defer r.psMu.Unlock()
	switch {
	case r.closed:
		return ErrStopped
	case r.ps != nil:
		return nil
	}
	ps := r.client.Subscribe(ctx, r.cancelChannel())
	if _, err := ps.Receive(ctx); err != nil {
		ps.Close() //nolint:errcheck // the subscribe error is the one to report
		return redisErr("subscribe", err)
	}
	r.ps = ps
	msgs := ps.ChannelWithSubscriptions()
	go r.dispatch(msgs)
	return nil
}

func (r *Redis) dispatch(msgs <-chan any) {
	for m := range msgs {
		switch m := m.(type) {
		case *redis.Message:
			r.sig.fire(m.Payload)
		case *redis.Subscription:
			// go-redis re-subscribed after a lost connection; messages
			// published meanwhile are gone, so consult the keys.
			r.recheck()
		}
	}
}

func (r *Redis) recheck() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, runID := range r.sig.runs() {
		if n, err := r.client.Exists(ctx, r.cancelKey(runID)).Result(); err == nil && n > 0 {
			r.sig.fire(runID)
		}
	}
}
