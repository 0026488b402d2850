package blob

import (
	"hash/maphash"
	"sync"
)

// URL cache bounds: 16 shards of at most 1024 URLs, so at most 16,384
// URLs are held, about 4 MiB with typical keys (a key and its ~190-byte
// URL plus map overhead, ~250 bytes an entry); keys longer than
// cacheMaxKey are never cached. A full shard is emptied rather than
// evicting one entry at a time: refilling it costs one HMAC per URL, and
// it keeps the cache a plain map. Every shard also empties when the expiry
// hour moves on, since its URLs are then no longer the ones URL() returns.
const (
	cacheShards   = 16
	cacheShardCap = 1024
	cacheMaxKey   = 256
)

// urlCache maps storage keys to their signed URL for the current expiry
// hour. It is safe for concurrent use; reads of different shards never
// contend and reads of one shard share a read lock.
type urlCache struct {
	seed   maphash.Seed
	shards [cacheShards]urlShard
}

type urlShard struct {
	mu   sync.RWMutex
	exp  int64 // the expiry (Unix seconds) every URL in m carries
	urls map[string]string
}

func (c *urlCache) init() {
	c.seed = maphash.MakeSeed()
	for i := range c.shards {
		c.shards[i].urls = make(map[string]string)
	}
}

func (c *urlCache) shard(key string) *urlShard {
	return &c.shards[maphash.String(c.seed, key)%cacheShards]
}

// get returns the cached URL of key when it carries expiry exp.
func (c *urlCache) get(key string, exp int64) (string, bool) {
	sh := c.shard(key)
	sh.mu.RLock()
	u, ok := sh.urls[key]
	ok = ok && sh.exp == exp
	sh.mu.RUnlock()
	return u, ok
}

// put stores key's URL for expiry exp. A URL of an older hour than the
// shard's (a goroutine that read the clock just before the hour turned) is
// dropped; a newer hour empties the shard first.
func (c *urlCache) put(key string, exp int64, url string) {
	if len(key) > cacheMaxKey {
		return
	}
	sh := c.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	switch {
	case exp < sh.exp:
		return
	case exp > sh.exp:
		clear(sh.urls)
		sh.exp = exp
	case len(sh.urls) >= cacheShardCap:
		clear(sh.urls)
	}
	sh.urls[key] = url
}

// len is the number of cached URLs (tests check the bound).
func (c *urlCache) len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		n += len(sh.urls)
		sh.mu.RUnlock()
	}
	return n
}
