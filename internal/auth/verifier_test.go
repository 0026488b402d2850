package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestVerifyDevTokenAccepted(t *testing.T) {
	t.Parallel()
	k := newTestKey(t)
	v := newVerifier(t, Config{DevKey: k, Issuer: testIssuer})

	tok, err := k.Mint(testSub, testEmail, time.Hour, testIssuer)
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	c := mustAccept(t, v, tok)
	if c.UserID != testSub || c.Email != testEmail || c.Role != RoleAuthenticated {
		t.Errorf("claims = %+v", c)
	}
	if d := time.Until(c.ExpiresAt); d < 59*time.Minute || d > time.Hour+time.Second {
		t.Errorf("ExpiresAt %v is not about an hour away", c.ExpiresAt)
	}
}

func TestVerifyNormalisesSubAndAllowsNoEmail(t *testing.T) {
	t.Parallel()
	k := newTestKey(t)
	v := newVerifier(t, Config{DevKey: k})

	tok := signDev(t, k, with(goodClaims(), map[string]any{"sub": strings.ToUpper(testSub), "email": nil}))
	c := mustAccept(t, v, tok)
	if c.UserID != testSub || c.Email != "" {
		t.Errorf("claims = %+v, want lower-case sub and no email", c)
	}
}

func TestVerifyAcceptsWithinLeewayAndAudienceArray(t *testing.T) {
	t.Parallel()
	k := newTestKey(t)
	v := newVerifier(t, Config{DevKey: k})

	justExpired := with(goodClaims(), map[string]any{"exp": time.Now().Add(-5 * time.Second).Unix()})
	mustAccept(t, v, signDev(t, k, justExpired))
	arrayAud := with(goodClaims(), map[string]any{"aud": []string{"other", "authenticated"}})
	mustAccept(t, v, signDev(t, k, arrayAud))
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	k := newTestKey(t)
	other := newTestKey(t)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, Config{DevKey: k, Issuer: testIssuer})
	good := goodClaims()
	hour := time.Hour

	valid := signDev(t, k, good)
	parts := strings.Split(valid, ".")

	tests := []struct {
		name  string
		token string
		cause error // optional jwt sentinel the error must also wrap
	}{
		{"empty", "", nil},
		{"garbage", "not-a-jwt", jwt.ErrTokenMalformed},
		{"garbage segments", "a.b.c", jwt.ErrTokenMalformed},
		{"too long", strings.Repeat("a", maxTokenLen+1), nil},
		{"signature stripped", parts[0] + "." + parts[1] + ".", jwt.ErrTokenSignatureInvalid},
		{"payload swapped", parts[0] + "." + strings.Split(signDev(t, k, with(good, map[string]any{"role": "x"})), ".")[1] + "." + parts[2], jwt.ErrTokenSignatureInvalid},
		{"expired", signDev(t, k, with(good, map[string]any{"exp": time.Now().Add(-hour).Unix()})), jwt.ErrTokenExpired},
		{"no exp", signDev(t, k, with(good, map[string]any{"exp": nil})), jwt.ErrTokenRequiredClaimMissing},
		{"not yet valid", signDev(t, k, with(good, map[string]any{"nbf": time.Now().Add(hour).Unix()})), jwt.ErrTokenNotValidYet},
		{"alg none", unsignedToken(t, ""), jwt.ErrTokenSignatureInvalid},
		{"alg none with kid", unsignedToken(t, k.KeyID()), jwt.ErrTokenSignatureInvalid},
		{"HS256 not configured", signWith(t, jwt.SigningMethodHS256, []byte("secret"), k.KeyID(), good), jwt.ErrTokenSignatureInvalid},
		{"HS256 keyed with public JWKS", signWith(t, jwt.SigningMethodHS256, k.JWKSJSON(), k.KeyID(), good), jwt.ErrTokenSignatureInvalid},
		{"RS256 by default", signWith(t, jwt.SigningMethodRS256, rsaKey, k.KeyID(), good), jwt.ErrTokenSignatureInvalid},
		{"ES384", signWith(t, jwt.SigningMethodES384, p384, k.KeyID(), good), jwt.ErrTokenSignatureInvalid},
		{"wrong audience", signDev(t, k, with(good, map[string]any{"aud": "service"})), jwt.ErrTokenInvalidAudience},
		{"no audience", signDev(t, k, with(good, map[string]any{"aud": nil})), jwt.ErrTokenRequiredClaimMissing},
		{"wrong role", signDev(t, k, with(good, map[string]any{"role": "service_role"})), nil},
		{"no role", signDev(t, k, with(good, map[string]any{"role": nil})), nil},
		{"anon key shape", signDev(t, k, with(good, map[string]any{"sub": nil, "role": "anon", "email": nil})), nil},
		{"missing sub", signDev(t, k, with(good, map[string]any{"sub": nil})), nil},
		{"non-UUID sub", signDev(t, k, with(good, map[string]any{"sub": "user-42"})), nil},
		{"braced UUID sub", signDev(t, k, with(good, map[string]any{"sub": "{" + testSub + "}"})), nil},
		{"nil UUID sub", signDev(t, k, with(good, map[string]any{"sub": "00000000-0000-0000-0000-000000000000"})), nil},
		{"numeric sub", signDev(t, k, with(good, map[string]any{"sub": 42})), jwt.ErrTokenMalformed},
		{"wrong issuer", signDev(t, k, with(good, map[string]any{"iss": "https://evil.test/auth/v1"})), jwt.ErrTokenInvalidIssuer},
		{"no issuer", signDev(t, k, with(good, map[string]any{"iss": nil})), jwt.ErrTokenRequiredClaimMissing},
		{"unknown kid", signWith(t, jwt.SigningMethodES256, k.priv, "no-such-kid", good), jwt.ErrTokenUnverifiable},
		{"missing kid", signWith(t, jwt.SigningMethodES256, k.priv, "", good), jwt.ErrTokenUnverifiable},
		{"other key, same kid", signWith(t, jwt.SigningMethodES256, other.priv, k.KeyID(), good), jwt.ErrTokenSignatureInvalid},
		{"other key, own kid", signDev(t, other, good), jwt.ErrTokenUnverifiable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := mustReject(t, v, tc.token)
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Errorf("error %q does not wrap %q", err, tc.cause)
			}
		})
	}
}

// unsignedToken builds an alg "none" token for the good claims, with a kid
// when non-empty, to show a known kid does not open the door to alg none.
func unsignedToken(t *testing.T, kid string) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodNone, goodClaims())
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyIssuerNotCheckedWhenUnset(t *testing.T) {
	t.Parallel()
	k := newTestKey(t)
	v := newVerifier(t, Config{DevKey: k})
	mustAccept(t, v, signDev(t, k, with(goodClaims(), map[string]any{"iss": "anything"})))
	mustAccept(t, v, signDev(t, k, with(goodClaims(), map[string]any{"iss": nil})))
}

func TestVerifyCustomAudience(t *testing.T) {
	t.Parallel()
	k := newTestKey(t)
	v := newVerifier(t, Config{DevKey: k, Audience: "kira"})
	mustAccept(t, v, signDev(t, k, with(goodClaims(), map[string]any{"aud": "kira"})))
	mustReject(t, v, signDev(t, k, goodClaims()))
}

func TestVerifyHS256WhenConfigured(t *testing.T) {
	t.Parallel()
	k := newTestKey(t)
	secret := []byte("super-secret-jwt-token-with-at-least-32-characters")
	v := newVerifier(t, Config{DevKey: k, HS256Secret: secret})

	// Legacy Supabase HS256 tokens may or may not carry a kid.
	c := mustAccept(t, v, signWith(t, jwt.SigningMethodHS256, secret, "", goodClaims()))
	if c.UserID != testSub {
		t.Errorf("UserID = %q", c.UserID)
	}
	mustAccept(t, v, signWith(t, jwt.SigningMethodHS256, secret, "legacy", goodClaims()))
	// ES256 keeps working alongside.
	mustAccept(t, v, signDev(t, k, goodClaims()))

	err := mustReject(t, v, signWith(t, jwt.SigningMethodHS256, []byte("wrong-secret"), "", goodClaims()))
	if !errors.Is(err, jwt.ErrTokenSignatureInvalid) {
		t.Errorf("wrong secret: %v", err)
	}
	// The secret does not waive the claim checks.
	mustReject(t, v, signWith(t, jwt.SigningMethodHS256, secret, "", with(goodClaims(), map[string]any{"role": "service_role", "sub": nil})))
	// Other HMAC variants stay off.
	mustReject(t, v, signWith(t, jwt.SigningMethodHS512, secret, "", goodClaims()))
}

func TestVerifyConcurrent(t *testing.T) {
	t.Parallel()
	k := newTestKey(t)
	v := newVerifier(t, Config{DevKey: k})
	tok := signDev(t, k, goodClaims())
	bad := signDev(t, k, with(goodClaims(), map[string]any{"role": "anon"}))
	done := make(chan error)
	for range 16 {
		go func() {
			for range 50 {
				if _, err := v.Verify(t.Context(), tok); err != nil {
					done <- err
					return
				}
				if _, err := v.Verify(t.Context(), bad); err == nil {
					done <- errors.New("bad token accepted")
					return
				}
			}
			done <- nil
		}()
	}
	for range 16 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestNewVerifierConfigErrors(t *testing.T) {
	t.Parallel()
	if _, err := NewVerifier(t.Context(), Config{}); err == nil {
		t.Error("no key source: want error")
	}
	if _, err := NewVerifier(t.Context(), Config{JWKSURL: "not a url"}); err == nil {
		t.Error("malformed JWKS URL: want error")
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, Config{DevKey: newTestKey(t)})
	v.Close()
	v.Close()
}
