package hotcache

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Defaults of Options.
const (
	DefaultMaxEntries  = 256
	DefaultFillTimeout = 30 * time.Second
)

// Options configure a Cache.
type Options[V any] struct {
	// Name identifies the cache in errors and logs.
	Name string
	// Topics the values depend on; Invalidate of any of them drops every
	// entry. Empty: the cache is bounded by MaxAge alone.
	Topics []string
	// MaxAge bounds how old the data of a served entry may be, measured
	// from the start of its fill (1 s for feed pages). Required.
	MaxAge time.Duration
	// MaxEntries bounds the number of keys held (DefaultMaxEntries).
	MaxEntries int
	// Fill reads the value of key. Errors are returned, never cached. It
	// runs detached from any one caller's cancellation (its readers
	// share it), bounded by FillTimeout (DefaultFillTimeout).
	Fill        func(ctx context.Context, key string) (V, error)
	FillTimeout time.Duration
	// Encode renders a value as the response body (JSON for the API).
	Encode func(V) ([]byte, error)
	// ContentType of the encoded body, e.g. "application/json".
	ContentType string
	// Now is the clock (time.Now); tests move it by hand.
	Now func() time.Time
}

// Entry is one cached value with its encoded representations. Entries
// are shared by every reader: treat Value as read-only and copy what you
// change (e.g. clone a page's items before overlaying isLiked).
type Entry[V any] struct {
	Value V
	Body  *Encoded
	start time.Time // when its fill started reading
	gen   uint64
}

// Stats counts what a cache did; Fills counts calls of Options.Fill and
// Discarded the fills overtaken by an invalidation (not stored).
type Stats struct {
	Hits, Misses, Fills, Discarded, Evictions uint64
}

// Cache is a coherent, bounded cache of pre-encoded values by string key.
type Cache[V any] struct {
	opt   Options[V]
	gen   atomic.Uint64
	group singleflight.Group

	mu      sync.RWMutex
	entries map[string]*Entry[V]

	hits, misses, fills, discarded, evictions atomic.Uint64
}

// ErrInvalidOptions is returned by New for a missing Fill, Encode or MaxAge.
var ErrInvalidOptions = errors.New("hotcache: Fill, Encode and a positive MaxAge are required")

// New builds a cache and subscribes it to inv (nil: MaxAge only).
func New[V any](inv Invalidator, opt Options[V]) (*Cache[V], error) {
	if opt.Fill == nil || opt.Encode == nil || opt.MaxAge <= 0 {
		return nil, fmt.Errorf("%w (cache %q)", ErrInvalidOptions, opt.Name)
	}
	if opt.MaxEntries <= 0 {
		opt.MaxEntries = DefaultMaxEntries
	}
	if opt.FillTimeout <= 0 {
		opt.FillTimeout = DefaultFillTimeout
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	opt.Topics = slices.Clone(opt.Topics)
	c := &Cache[V]{opt: opt, entries: map[string]*Entry[V]{}}
	if inv != nil {
		inv.OnInvalidate(c.invalidated)
	}
	return c, nil
}

// Get returns the entry of key, filling it on a miss. Concurrent misses
// of one key share one fill; a caller whose ctx ends stops waiting
// without cancelling the fill for the others.
func (c *Cache[V]) Get(ctx context.Context, key string) (*Entry[V], error) {
	gen := c.gen.Load()
	if e := c.fresh(key, gen); e != nil {
		c.hits.Add(1)
		return e, nil
	}
	c.misses.Add(1)
	// The generation is part of the flight's key: a reader arriving after
	// an invalidation must not join a fill that started before it.
	ch := c.group.DoChan(strconv.FormatUint(gen, 10)+"\x00"+key, func() (any, error) {
		return c.fill(ctx, key, gen)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*Entry[V]), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// fresh returns the stored entry of key if it is of generation gen and
// younger than MaxAge.
func (c *Cache[V]) fresh(key string, gen uint64) *Entry[V] {
	c.mu.RLock()
	e := c.entries[key]
	c.mu.RUnlock()
	if e == nil || e.gen != gen || c.opt.Now().Sub(e.start) >= c.opt.MaxAge {
		return nil
	}
	return e
}

func (c *Cache[V]) fill(ctx context.Context, key string, gen uint64) (e *Entry[V], err error) {
	defer func() {
		if p := recover(); p != nil {
			e, err = nil, fmt.Errorf("hotcache %s: fill %q panicked: %v", c.opt.Name, key, p)
		}
	}()
	c.fills.Add(1)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opt.FillTimeout)
	defer cancel()
	start := c.opt.Now()
	v, err := c.opt.Fill(ctx, key)
	if err != nil {
		return nil, err
	}
	raw, err := c.opt.Encode(v)
	if err != nil {
		return nil, fmt.Errorf("hotcache %s: encode %q: %w", c.opt.Name, key, err)
	}
	body, err := NewEncoded(c.opt.ContentType, raw)
	if err != nil {
		return nil, fmt.Errorf("hotcache %s: compress %q: %w", c.opt.Name, key, err)
	}
	e = &Entry[V]{Value: v, Body: body, start: start, gen: gen}
	c.store(key, e)
	return e, nil
}

// store keeps e unless an invalidation overtook its fill; the check and
// the write happen under the lock that invalidated also takes, so an
// invalidation is either seen here or clears e after it is written.
func (c *Cache[V]) store(key string, e *Entry[V]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != e.gen {
		c.discarded.Add(1)
		return
	}
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.opt.MaxEntries {
		c.evictOne()
	}
	c.entries[key] = e
}

// evictOne drops an expired entry if there is one, else an arbitrary one
// (map order): the key sets are small and hot, so no LRU bookkeeping on
// the read path.
func (c *Cache[V]) evictOne() {
	now := c.opt.Now()
	victim := ""
	for k, e := range c.entries {
		victim = k
		if now.Sub(e.start) >= c.opt.MaxAge {
			break
		}
	}
	delete(c.entries, victim)
	c.evictions.Add(1)
}

// invalidated is the cache's Invalidator listener.
func (c *Cache[V]) invalidated(topics []string, all bool) {
	if !all && !slices.ContainsFunc(topics, func(t string) bool { return slices.Contains(c.opt.Topics, t) }) {
		return
	}
	c.Invalidate()
}

// Invalidate drops every entry of this cache (only; writers announce
// topics through the Invalidator instead).
func (c *Cache[V]) Invalidate() {
	c.mu.Lock()
	c.gen.Add(1)
	clear(c.entries)
	c.mu.Unlock()
}

// Len reports the number of stored entries (fresh or not).
func (c *Cache[V]) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// Stats reports the cache's counters.
func (c *Cache[V]) Stats() Stats {
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Fills: c.fills.Load(),
		Discarded: c.discarded.Load(), Evictions: c.evictions.Load()}
}
