package auth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

const (
	testSub    = "3f1c2b9e-8d4a-4c6e-9f0b-1a2b3c4d5e6f"
	testEmail  = "ada@example.com"
	testIssuer = "https://project.supabase.test/auth/v1"
)

// newTestKey creates a fresh dev key in its own temp directory.
func newTestKey(t *testing.T) *DevKey {
	t.Helper()
	k, err := LoadOrCreateDevKey(t.TempDir())
	if err != nil {
		t.Fatalf("LoadOrCreateDevKey: %v", err)
	}
	return k
}

// goodClaims are the claims of a valid Supabase user token.
func goodClaims() jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"sub":   testSub,
		"email": testEmail,
		"aud":   "authenticated",
		"role":  "authenticated",
		"iss":   testIssuer,
		"iat":   now.Unix(),
		"exp":   now.Add(time.Hour).Unix(),
	}
}

// with returns a copy of c with the given changes; a nil value deletes.
func with(c jwt.MapClaims, changes map[string]any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for k, v := range changes {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// signWith signs claims with any method and key; kid is omitted when empty.
func signWith(t *testing.T, m jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}

// signDev signs claims with the dev key and its kid.
func signDev(t *testing.T, k *DevKey, claims jwt.MapClaims) string {
	t.Helper()
	return signWith(t, jwt.SigningMethodES256, k.priv, k.KeyID(), claims)
}

// newVerifier builds a verifier and closes it at the end of the test.
func newVerifier(t *testing.T, cfg Config) *Verifier {
	t.Helper()
	v, err := NewVerifier(t.Context(), cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	t.Cleanup(v.Close)
	return v
}

// mustReject asserts token fails verification with ErrInvalidToken.
func mustReject(t *testing.T, v *Verifier, token string) error {
	t.Helper()
	c, err := v.Verify(context.Background(), token)
	if err == nil {
		t.Fatalf("Verify accepted token, claims %+v", c)
	}
	if !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("error %v does not wrap ErrInvalidToken", err)
	}
	return err
}

// mustAccept asserts token verifies and returns its claims.
func mustAccept(t *testing.T, v *Verifier, token string) Claims {
	t.Helper()
	c, err := v.Verify(context.Background(), token)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return c
}

// jwksOf merges the public JWKs of dev keys and any extra JWKs into one set.
func jwksOf(t *testing.T, keys []*DevKey, extra ...jwkset.JWKMarshal) []byte {
	t.Helper()
	var set jwkset.JWKSMarshal
	for _, k := range keys {
		var one jwkset.JWKSMarshal
		if err := json.Unmarshal(k.JWKSJSON(), &one); err != nil {
			t.Fatalf("dev JWKS: %v", err)
		}
		set.Keys = append(set.Keys, one.Keys...)
	}
	set.Keys = append(set.Keys, extra...)
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatalf("marshal JWKS: %v", err)
	}
	return b
}

// jwksServer is a fake Supabase JWKS endpoint whose key set and availability
// tests can change, and which counts requests.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int64
	mu      sync.Mutex
	body    []byte
	down    bool
}

func newJWKSServer(t *testing.T, body []byte) *jwksServer {
	t.Helper()
	s := &jwksServer{body: body}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		body, down := s.body, s.down
		s.mu.Unlock()
		if down {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) setBody(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = b
}

func (s *jwksServer) setDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// eventually polls cond until it holds or a deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-time.After(2 * time.Millisecond)
	}
}
