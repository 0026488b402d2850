package httpapi_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
)

func TestBadTokensAre401AndCreateNothing(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		sub := uuid.NewString()
		now := time.Now()
		valid := jwt.MapClaims{"sub": sub, "aud": "authenticated", "role": "authenticated", "exp": now.Add(time.Hour).Unix()}
		with := func(k string, v any) jwt.MapClaims {
			c := jwt.MapClaims{}
			for kk, vv := range valid {
				c[kk] = vv
			}
			c[k] = v
			return c
		}
		none := jwt.NewWithClaims(jwt.SigningMethodNone, valid)
		noneTok, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
		hs := jwt.NewWithClaims(jwt.SigningMethodHS256, valid)
		hsTok, _ := hs.SignedString([]byte("not-configured-secret"))
		otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		foreign := jwt.NewWithClaims(jwt.SigningMethodES256, valid)
		foreign.Header["kid"] = "unknown-kid"
		foreignTok, _ := foreign.SignedString(otherKey)
		cases := map[string]string{
			"missing":        "",
			"garbage":        "not.a.jwt",
			"expired":        e.signed(with("exp", now.Add(-time.Hour).Unix())),
			"alg none":       noneTok,
			"hs256":          hsTok,
			"wrong audience": e.signed(with("aud", "anon")),
			"wrong role":     e.signed(with("role", "service_role")),
			"no sub":         e.signed(with("sub", "")),
			"non-uuid sub":   e.signed(with("sub", "admin")),
			"unknown kid":    foreignTok,
		}
		for name, tok := range cases {
			r := e.call("GET", "/user/profile", tok, nil, false)
			if r.Status != 401 || string(r.Body) != "{\"message\":\"Unauthorized\"}\n" {
				t.Errorf("%s: status %d body %s, want 401 Unauthorized", name, r.Status, r.Body)
			}
		}
		if _, err := e.store.GetProfile(context.Background(), sub); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a rejected token created a profile (err=%v)", err)
		}
	})
}

func TestOversizeBodyIs413(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		big := `{"nickname":"` + string(make([]byte, 0)) + stringOf('a', 2<<20) + `"}`
		expect(t, e.bad("PUT", "/user/profile", u.Token, big), 413)
		var p struct{ Nickname string }
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200).json(t, &p)
		if len(p.Nickname) > 32 {
			t.Fatal("oversize body changed the profile")
		}
	})
}

func stringOf(c byte, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return string(b)
}
