package runs

import (
	"context"
	"errors"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	// liveTTL bounds the life of a log whose producer died without closing
	// it; every append pushes it out again, and Close shortens it to ttl.
	liveTTL = 24 * time.Hour
	// readBlock is how long one XREAD waits for new entries. go-redis
	// cannot interrupt a blocked read, so it is also how long a reader may
	// outlive its last subscriber.
	readBlock = time.Second
	// readCount caps the entries of one XREAD so a long replay is served
	// in steps instead of one huge reply.
	readCount = 512
	// closedMarker starts the script error for an append after Close.
	closedMarker = "KIRA_CLOSED"
	// fencedMarker starts the script error for an append by a writer
	// other than the log's claimant.
	fencedMarker = "KIRA_FENCED"
	// lostMarker starts the script error for an append whose claim is
	// gone with the log.
	lostMarker = "KIRA_LOST"
)

// Both scripts read the last entry to tell whether the end marker is there,
// which makes "append unless closed" and "close once" atomic.
var (
	// KEYS[2] holds the log's claimant (Claim); a named writer that is not
	// the claimant is refused, and so is any named writer once the claim is
	// gone (the log was lost).
	appendScript = redis.NewScript(`
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if last[1] and last[1][2][1] == 'end' then
  return redis.error_reply('` + closedMarker + ` log closed')
end
if ARGV[3] ~= '' then
  local w = redis.call('GET', KEYS[2])
  if not w then
    return redis.error_reply('` + lostMarker + ` claim gone')
  elseif w ~= ARGV[3] then
    return redis.error_reply('` + fencedMarker + ` log claimed')
  end
end
local id = redis.call('XADD', KEYS[1], '*', 'd', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return id`)
	closeScript = redis.NewScript(`
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if last[1] and last[1][2][1] == 'end' then return 0 end
redis.call('XADD', KEYS[1], '*', 'end', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1`)
)

// feed is this instance's reader of one run's stream. All subscriptions of
// the run on this instance read its buffer, so a run costs one Redis
// connection here however many viewers follow it.
type feed struct {
	buf    *logBuffer
	refs   int
	cancel context.CancelFunc
}

func (f *feed) stop() { f.cancel() }

// Append implements Log.
func (r *Redis) Append(ctx context.Context, runID string, data []byte) (string, error) {
	return r.AppendAs(ctx, runID, "", data)
}

// AppendAs implements Log.
func (r *Redis) AppendAs(ctx context.Context, runID, writer string, data []byte) (string, error) {
	id, err := appendScript.Run(ctx, r.client, []string{r.logKey(runID), r.writerKey(runID)}, data, liveTTL.Milliseconds(), writer).Text()
	if err != nil {
		switch {
		case strings.HasPrefix(err.Error(), closedMarker):
			return "", ErrClosed
		case strings.HasPrefix(err.Error(), fencedMarker):
			return "", ErrFenced
		case strings.HasPrefix(err.Error(), lostMarker):
			return "", ErrNotFound
		}
		return "", redisErr("append", err)
	}
	return id, nil
}

// Claim implements Log.
func (r *Redis) Claim(ctx context.Context, runID, writer string) error {
	if err := r.client.Set(ctx, r.writerKey(runID), writer, liveTTL).Err(); err != nil {
		return redisErr("claim", err)
	}
	return nil
}

func (r *Redis) writerKey(runID string) string { return r.prefix + "writer:" + runID }

// Close implements Log.
func (r *Redis) Close(ctx context.Context, runID string) error {
	if err := closeScript.Run(ctx, r.client, []string{r.logKey(runID), r.writerKey(runID)}, r.ttl.Milliseconds()).Err(); err != nil {
		return redisErr("close", err)
	}
	return nil
}

// Tail implements Log.
func (r *Redis) Tail(ctx context.Context, runID, after string) (*Subscription, error) {
	from, err := afterID(after)
	if err != nil {
		return nil, err
	}
	f, err := r.attach(ctx, runID)
	if err != nil {
		return nil, err
	}
	return follow(ctx, runID, f.buf, from, func() { r.detach(runID, f) }), nil
}

// Snapshot implements Log with one XRANGE: takeovers are rare and logs are
// a few thousand entries at most.
func (r *Redis) Snapshot(ctx context.Context, runID string) ([]Event, bool, error) {
	msgs, err := r.client.XRange(ctx, r.logKey(runID), "-", "+").Result()
	if err != nil {
		return nil, false, redisErr("snapshot", err)
	}
	if len(msgs) == 0 {
		return nil, false, ErrNotFound
	}
	evs := make([]Event, 0, len(msgs))
	for _, m := range msgs {
		if _, ok := m.Values["end"]; ok {
			return evs, true, nil
		}
		if d, ok := m.Values["d"].(string); ok {
			evs = append(evs, Event{ID: m.ID, Data: []byte(d)})
		}
	}
	return evs, false, nil
}

// attach joins the run's feed, starting one when the run has none here.
func (r *Redis) attach(ctx context.Context, runID string) (*feed, error) {
	if f := r.joinFeed(runID); f != nil {
		return f, nil
	}
	n, err := r.client.Exists(ctx, r.logKey(runID)).Result()
	if err != nil {
		return nil, redisErr("tail", err)
	}
	if n == 0 {
		return nil, ErrNotFound
	}
	r.feedsMu.Lock()
	defer r.feedsMu.Unlock()
	if r.feeds == nil {
		return nil, ErrStopped
	}
	if f := r.feeds[runID]; f != nil { // started by another Tail meanwhile
		f.refs++
		return f, nil
	}
	fctx, cancel := context.WithCancel(context.Background())
	f := &feed{buf: newLogBuffer(), refs: 1, cancel: cancel}
	r.feeds[runID] = f
	pprof.Do(fctx, pprof.Labels(goroutineLabel, runID), func(ctx context.Context) {
		go r.read(ctx, runID, f)
	})
	return f, nil
}

func (r *Redis) joinFeed(runID string) *feed {
	r.feedsMu.Lock()
	defer r.feedsMu.Unlock()
	f := r.feeds[runID]
	if f != nil {
		f.refs++
	}
	return f
}

// detach leaves the feed; the last subscription to leave stops it.
func (r *Redis) detach(runID string, f *feed) {
	r.feedsMu.Lock()
	defer r.feedsMu.Unlock()
	if f.refs--; f.refs > 0 {
		return
	}
	f.stop()
	if r.feeds[runID] == f {
		delete(r.feeds, runID)
	}
}

// forget drops a failed feed so the next Tail starts a fresh reader;
// its current subscriptions end with the failure.
func (r *Redis) forget(runID string, f *feed) {
	r.feedsMu.Lock()
	defer r.feedsMu.Unlock()
	if r.feeds[runID] == f {
		delete(r.feeds, runID)
	}
}

// read copies the stream into the feed's buffer from the first entry to the
// end marker, blocking for new entries in between.
func (r *Redis) read(ctx context.Context, runID string, f *feed) {
	key, last := r.logKey(runID), "0-0"
	for {
		res, err := r.client.XRead(ctx, &redis.XReadArgs{
			Streams: []string{key, last}, Count: readCount, Block: readBlock,
		}).Result()
		switch {
		case ctx.Err() != nil:
			f.buf.end(ErrStopped)
			return
		case errors.Is(err, redis.Nil): // nothing new within readBlock
			continue
		case err != nil:
			f.buf.end(redisErr("read", err))
			r.forget(runID, f)
			return
		}
		var ended bool
		if last, ended = f.addEntries(res, last); ended {
			return
		}
	}
}

// addEntries moves one XREAD reply into the buffer and returns the last id
// read and whether the end marker was among the entries.
func (f *feed) addEntries(res []redis.XStream, last string) (string, bool) {
	for _, s := range res {
		batch := make([]entry, 0, len(s.Messages))
		for _, m := range s.Messages {
			last = m.ID
			if _, ok := m.Values["end"]; ok {
				f.buf.add(batch...)
				f.buf.end(nil)
				return last, true
			}
			id, ok := parseEventID(m.ID)
			d, isStr := m.Values["d"].(string)
			if !ok || !isStr {
				// Not written by Append: skipping keeps the log usable.
				continue
			}
			batch = append(batch, entry{id, Event{ID: m.ID, Data: []byte(d)}})
		}
		f.buf.add(batch...)
	}
	return last, false
}
