package httpapi_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kira-art/kira/internal/config"
)

const testIssuer = "https://auth.kira.test/auth/v1"

// forgedTokens are tokens an attacker can make that name victim as their
// subject (where they carry one). None may authenticate: on a required-auth
// route each is 401 {"message":"Unauthorized"}, on an optional-auth route
// the caller is anonymous.
func (e *env) forgedTokens(victim string) map[string]string {
	e.t.Helper()
	now := time.Now()
	valid := jwt.MapClaims{"sub": victim, "aud": "authenticated", "role": "authenticated", "iss": testIssuer,
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
	with := func(kv ...any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for k, v := range valid {
			c[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(c, kv[i].(string))
			} else {
				c[kv[i].(string)] = kv[i+1]
			}
		}
		return c
	}
	sign := func(m jwt.SigningMethod, key any, c jwt.MapClaims, kid string) string {
		tok := jwt.NewWithClaims(m, c)
		if kid != "" {
			tok.Header["kid"] = kid
		}
		s, err := tok.SignedString(key)
		if err != nil {
			e.t.Fatal(err)
		}
		return s
	}
	pubPEM, jwks := e.publicKeyBytes()
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	header, payload, _ := strings.Cut(e.signed(valid), ".")
	payload, _, _ = strings.Cut(payload, ".")
	return map[string]string{
		"garbage":                    "garbage",
		"three dots":                 "a.b.c",
		"alg none":                   sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid, ""),
		"alg none, our kid":          sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid, e.key.KeyID()),
		"hs256 with the public PEM":  sign(jwt.SigningMethodHS256, pubPEM, valid, e.key.KeyID()),
		"hs256 with the JWKS":        sign(jwt.SigningMethodHS256, jwks, valid, e.key.KeyID()),
		"es256 by another key":       sign(jwt.SigningMethodES256, other, valid, e.key.KeyID()),
		"unknown kid":                sign(jwt.SigningMethodES256, other, valid, "unknown-kid"),
		"signature stripped":         header + "." + payload + ".",
		"expired":                    e.signed(with("exp", now.Add(-time.Hour).Unix())),
		"not yet valid":              e.signed(with("nbf", now.Add(time.Hour).Unix())),
		"no exp":                     e.signed(with("exp", nil)),
		"wrong aud":                  e.signed(with("aud", "someone-else")),
		"wrong iss":                  e.signed(with("iss", "https://evil.test/auth/v1")),
		"missing sub":                e.signed(with("sub", nil)),
		"empty sub":                  e.signed(with("sub", "")),
		"non-uuid sub":               e.signed(with("sub", "admin")),
		"sub with path":              e.signed(with("sub", "../"+victim)),
		"anon role, no sub":          e.signed(with("sub", nil, "role", "anon", "aud", "anon")),
		"service_role, no sub":       e.signed(with("sub", nil, "role", "service_role", "aud", nil)),
		"service_role with sub":      e.signed(with("role", "service_role")),
		"numeric sub":                e.signed(with("sub", 42)),
		"huge token":                 strings.Repeat("A", 64<<10),
		"payload swapped onto a sig": header + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"`+victim+`"}`)) + "." + "c2ln",
	}
}

// publicKeyBytes returns the dev key's public half as PEM and as JWKS
// JSON — what an attacker can read and try as an HMAC secret.
func (e *env) publicKeyBytes() (pemBytes, jwks []byte) {
	e.t.Helper()
	jwks = e.key.JWKSJSON()
	var set struct{ Keys []struct{ X, Y string } }
	if err := json.Unmarshal(jwks, &set); err != nil || len(set.Keys) == 0 {
		e.t.Fatalf("jwks %s: %v", jwks, err)
	}
	x, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].X)
	y, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].Y)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		e.t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		e.t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), jwks
}

// TestSecurityForgedTokens sends every forged token to a required-auth
// route (401 with the exact body) and to optional-auth routes, where the
// caller must be anonymous: the victim's hidden post stays hidden and the
// victim's like is not reported as the caller's. The issuer is configured
// so "wrong iss" is a real check.
func TestSecurityForgedTokens(t *testing.T) {
	t.Parallel()
	forEachRawStore(t, func(t *testing.T, r rawEnv) {
		e := secEnv{feedEnv{r}}
		a := e.newUser()
		tok, err := e.key.Mint(a.ID, "a@example.com", time.Hour, testIssuer)
		if err != nil {
			t.Fatal(err)
		}
		a.Token = tok
		expect(t, e.do("GET", "/user/profile", a.Token, nil), 200) // the real token works
		img := e.uploadImage(a, scene(7, 64, 48))
		public := e.publish(a, img.FileID).ID
		hidden := e.post(a, "image", "nsfw").ID
		e.like("PUT", public, a.Token, 200)
		expect(t, e.do("GET", "/feed/"+hidden, a.Token, nil), 200)
		for name, forged := range e.forgedTokens(a.ID) {
			res := e.bad("GET", "/user/profile", forged, nil)
			if res.Status != 401 || strings.TrimSpace(string(res.Body)) != `{"message":"Unauthorized"}` {
				t.Errorf("%s on a required route: %d %s, want 401 Unauthorized", name, res.Status, res.Body)
			}
			if res := e.bad("GET", "/feed/"+hidden, forged, nil); res.Status != 404 {
				t.Errorf("%s on an optional route: %d, want 404 (anonymous viewer)", name, res.Status)
			}
			var l struct{ Liked bool }
			if expect(t, e.bad("GET", "/like/"+public, forged, nil), 200).json(t, &l); l.Liked {
				t.Errorf("%s: an optional route took the forged token as the victim", name)
			}
		}
	}, func(c *config.Config) { c.JWTIssuer = testIssuer })
}
