package auth

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestJWKSHandler(t *testing.T) {
	t.Parallel()
	k := newTestKey(t)
	h := JWKSHandler(k)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); cc == "" {
		t.Error("no Cache-Control")
	}
	if rec.Body.String() != string(k.JWKSJSON()) {
		t.Errorf("body = %s", rec.Body)
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/.well-known/jwks.json", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST status = %d", rec.Code)
	}
}

// The published dev JWKS is a valid remote JWKS: a verifier pointed at it
// accepts minted tokens, just as one built from the key directly does.
func TestJWKSHandlerServesVerifiableSet(t *testing.T) {
	t.Parallel()
	k := newTestKey(t)
	srv := httptest.NewServer(JWKSHandler(k))
	t.Cleanup(srv.Close)

	v := newVerifier(t, Config{JWKSURL: srv.URL + "/.well-known/jwks.json", Issuer: testIssuer})
	tok, err := k.Mint(testSub, testEmail, time.Hour, testIssuer)
	if err != nil {
		t.Fatal(err)
	}
	if c := mustAccept(t, v, tok); c.UserID != testSub || c.Email != testEmail {
		t.Errorf("claims = %+v", c)
	}
}
