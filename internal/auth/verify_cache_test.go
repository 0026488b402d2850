package auth

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// countingKeys counts signature verifications (each asks for a keyfunc).
type countingKeys struct {
	inner keyfunc.Keyfunc
	n     atomic.Int32
}

func (c *countingKeys) KeyfuncCtx(ctx context.Context) jwt.Keyfunc {
	c.n.Add(1)
	return c.inner.KeyfuncCtx(ctx)
}

func (c *countingKeys) Keyfunc(t *jwt.Token) (any, error) { return c.inner.Keyfunc(t) }

func (c *countingKeys) Storage() jwkset.Storage { return c.inner.Storage() }

func (c *countingKeys) VerificationKeySet(ctx context.Context) (jwt.VerificationKeySet, error) {
	return c.inner.VerificationKeySet(ctx)
}

// TestVerifiedTokensAreCachedUntilExpiry: a verified token is answered
// from the cache (no second signature check), an altered token is not,
// and a cached token is checked again once it has expired.
func TestVerifiedTokensAreCachedUntilExpiry(t *testing.T) {
	t.Parallel()
	k := newTestKey(t)
	v := newVerifier(t, Config{DevKey: k, Issuer: testIssuer})
	keys := &countingKeys{inner: v.keys}
	v.keys = keys
	clock := time.Now()
	v.now = func() time.Time { return clock }
	tok, err := k.Mint(testSub, testEmail, time.Hour, testIssuer)
	if err != nil {
		t.Fatal(err)
	}
	first := mustAccept(t, v, tok)
	if c := mustAccept(t, v, tok); c != first || keys.n.Load() != 1 {
		t.Fatalf("second verify: %+v, %d signature checks", c, keys.n.Load())
	}
	altered := tok[:len(tok)-2] + "AA"
	if _, err := v.Verify(context.Background(), altered); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("altered token accepted: %v", err)
	}
	clock = clock.Add(verifiedTTL) // the cache entry ends: verified again
	mustAccept(t, v, tok)
	if n := keys.n.Load(); n != 3 {
		t.Fatalf("%d signature checks, want 3 (first, altered, after the cache entry ended)", n)
	}
	clock = first.ExpiresAt.Add(time.Millisecond)
	if _, err := v.Verify(context.Background(), tok); err != nil {
		// the real clock says valid; only the cache's clock moved: the
		// point is that the cache did not answer past exp
		t.Logf("re-verified past the cached exp: %v", err)
	}
	if n := keys.n.Load(); n != 4 {
		t.Fatalf("a cached token was answered past its exp (%d checks)", n)
	}
}

func TestVerifiedCacheIsBounded(t *testing.T) {
	t.Parallel()
	var c verifiedCache
	now := time.Now()
	for i := range verifiedShards * verifiedPerShard * 3 {
		var key [32]byte
		key[0], key[1], key[2] = byte(i), byte(i>>8), byte(i>>16)
		c.put(key, Claims{UserID: "u", ExpiresAt: now.Add(time.Hour)}, "", now)
	}
	n := 0
	for i := range c.shards {
		if l := len(c.shards[i].m); l > verifiedPerShard {
			t.Fatalf("shard %d holds %d", i, l)
		}
		n += len(c.shards[i].m)
	}
	if n == 0 {
		t.Fatal("nothing cached")
	}
}
