package auth

import (
	"crypto/sha256"
	"sync"
	"time"
)

// Verifying an ES256 signature costs ~100 µs of CPU, more than the rest of
// a typical request; clients send the same token for up to an hour. So a
// verified token's claims are kept, keyed by the SHA-256 of the exact token
// text (a different or altered token is a different key), and reused until
// the token expires or verifiedTTL passes, whichever is first, and only
// while its signing key is still in the key set (a kid lookup, checked on
// every hit, so a key dropped from the JWKS drops its tokens at the next
// refresh). Failures are never cached.
const (
	verifiedTTL      = 5 * time.Minute
	verifiedShards   = 16
	verifiedPerShard = 1024 // at most 16,384 tokens (~1.5 MB)
)

type verifiedEntry struct {
	claims Claims
	kid    string    // the signing key, checked against the key set on every hit
	until  time.Time // min(exp, verified + verifiedTTL)
}

type verifiedShard struct {
	mu sync.RWMutex
	m  map[[sha256.Size]byte]verifiedEntry
}

// verifiedCache is a bounded, concurrent map of verified tokens. A full
// shard starts over: cheap, and a re-verification is merely slower.
type verifiedCache struct {
	shards [verifiedShards]verifiedShard
}

func (c *verifiedCache) get(key [sha256.Size]byte, now time.Time) (Claims, string, bool) {
	s := &c.shards[key[0]%verifiedShards]
	s.mu.RLock()
	e, ok := s.m[key]
	s.mu.RUnlock()
	if !ok || !now.Before(e.until) {
		return Claims{}, "", false
	}
	return e.claims, e.kid, true
}

func (c *verifiedCache) put(key [sha256.Size]byte, claims Claims, kid string, now time.Time) {
	until := now.Add(verifiedTTL)
	if claims.ExpiresAt.Before(until) {
		until = claims.ExpiresAt
	}
	s := &c.shards[key[0]%verifiedShards]
	s.mu.Lock()
	if s.m == nil || len(s.m) >= verifiedPerShard {
		s.m = make(map[[sha256.Size]byte]verifiedEntry, verifiedPerShard/4)
	}
	s.m[key] = verifiedEntry{claims: claims, kid: kid, until: until}
	s.mu.Unlock()
}
