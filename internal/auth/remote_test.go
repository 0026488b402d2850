package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

func TestRemoteJWKSCachedAndRefreshedOnUnknownKID(t *testing.T) {
	t.Parallel()
	keyA, keyB, keyC := newTestKey(t), newTestKey(t), newTestKey(t)
	srv := newJWKSServer(t, jwksOf(t, []*DevKey{keyA}))
	// A long minimum interval shows the unknown-kid refresh is rate-limited.
	v := newVerifier(t, Config{JWKSURL: srv.URL, Issuer: testIssuer, MinRefreshInterval: time.Hour})
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("fetches after start = %d, want 1", n)
	}

	tokA := signDev(t, keyA, goodClaims())
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 10 {
				if _, err := v.Verify(t.Context(), tokA); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("fetches after 80 verifications = %d, want 1 (cached)", n)
	}

	// Supabase rotates: key B appears, tokens signed by it must be accepted
	// without waiting for the periodic refresh.
	srv.setBody(jwksOf(t, []*DevKey{keyA, keyB}))
	tokB := signDev(t, keyB, goodClaims())
	mustAccept(t, v, tokB)
	mustAccept(t, v, tokB)
	mustAccept(t, v, tokA)
	if n := srv.fetches.Load(); n != 2 {
		t.Fatalf("fetches after rotation = %d, want 2", n)
	}

	// A token with an unknown kid right after that refresh is refused
	// without another fetch.
	err := mustReject(t, v, signDev(t, keyC, goodClaims()))
	if !errors.Is(err, jwt.ErrTokenUnverifiable) {
		t.Errorf("unknown kid: %v", err)
	}
	if n := srv.fetches.Load(); n != 2 {
		t.Fatalf("fetches after unknown kid = %d, want 2 (rate-limited)", n)
	}
}

func TestRemoteJWKSDownAtStart(t *testing.T) {
	t.Parallel()
	k := newTestKey(t)
	srv := newJWKSServer(t, jwksOf(t, []*DevKey{k}))
	srv.setDown(true)
	var hookCalls atomic.Int64
	v := newVerifier(t, Config{
		JWKSURL:            srv.URL,
		MinRefreshInterval: time.Millisecond,
		OnRefreshError:     func(error) { hookCalls.Add(1) },
	})
	if hookCalls.Load() == 0 {
		t.Error("failed first fetch was not reported to OnRefreshError")
	}

	tok := signDev(t, k, goodClaims())
	mustReject(t, v, tok)
	if n := srv.fetches.Load(); n < 2 {
		t.Errorf("fetches = %d, want a retry on demand", n)
	}

	srv.setDown(false)
	eventually(t, "token accepted once the JWKS is back", func() bool {
		_, err := v.Verify(t.Context(), tok)
		return err == nil
	})
}

func TestRemoteJWKSUnreachableAtStart(t *testing.T) {
	t.Parallel()
	dead := httptest.NewServer(nil)
	url := dead.URL + "/auth/v1/.well-known/jwks.json"
	dead.Close() // connection refused from now on

	k := newTestKey(t)
	v := newVerifier(t, Config{JWKSURL: url})
	mustReject(t, v, signDev(t, k, goodClaims()))
}

func TestRemoteJWKSBackgroundRefreshDropsRevokedKey(t *testing.T) {
	t.Parallel()
	keyA, keyB := newTestKey(t), newTestKey(t)
	srv := newJWKSServer(t, jwksOf(t, []*DevKey{keyA}))
	v := newVerifier(t, Config{JWKSURL: srv.URL, RefreshInterval: 5 * time.Millisecond, MinRefreshInterval: time.Hour})
	tokA := signDev(t, keyA, goodClaims())
	mustAccept(t, v, tokA)

	srv.setBody(jwksOf(t, []*DevKey{keyB}))
	eventually(t, "revoked key A to be dropped", func() bool {
		_, err := v.Verify(t.Context(), tokA)
		return err != nil
	})
	mustAccept(t, v, signDev(t, keyB, goodClaims()))
}

func TestRemoteJWKSRS256OnlyWhenAllowed(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := jwkset.NewJWKFromKey(&rsaKey.PublicKey, jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{KID: "rsa-1", ALG: jwkset.AlgRS256, USE: jwkset.UseSig},
	})
	if err != nil {
		t.Fatal(err)
	}
	ec := newTestKey(t)
	srv := newJWKSServer(t, jwksOf(t, []*DevKey{ec}, jwk.Marshal()))
	tok := signWith(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", goodClaims())

	strict := newVerifier(t, Config{JWKSURL: srv.URL})
	mustReject(t, strict, tok)

	lenient := newVerifier(t, Config{JWKSURL: srv.URL, AllowRS256: true})
	mustAccept(t, lenient, tok)
	mustAccept(t, lenient, signDev(t, ec, goodClaims()))
	// The JWK's alg pins the key: an ES256 key cannot verify RS256 and
	// vice versa, even under the right kid.
	mustReject(t, lenient, signWith(t, jwt.SigningMethodRS256, rsaKey, ec.KeyID(), goodClaims()))
}
