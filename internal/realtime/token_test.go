package realtime_test

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kira-art/kira/internal/realtime"
)

func TestTokenMinterSignsCentrifugoTokens(t *testing.T) {
	t.Parallel()
	before := time.Now().Truncate(time.Second)
	tok, exp, err := realtime.TokenMinter{Secret: testSecret, TTL: 15 * time.Minute}.Mint(userA)
	if err != nil {
		t.Fatal(err)
	}
	var c jwt.RegisteredClaims
	parsed, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return testSecret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Header["alg"] != "HS256" || c.Subject != userA {
		t.Fatalf("header %v, sub %q", parsed.Header, c.Subject)
	}
	if !c.ExpiresAt.Equal(exp) || c.ExpiresAt.Sub(c.IssuedAt.Time) != 15*time.Minute {
		t.Fatalf("iat %v exp %v (returned %v)", c.IssuedAt, c.ExpiresAt, exp)
	}
	if c.IssuedAt.Before(before) || c.IssuedAt.After(time.Now()) {
		t.Fatalf("iat %v not now", c.IssuedAt)
	}
	// Only the claims Centrifugo reads, nothing about the user beyond sub.
	payload, _ := jwt.NewParser().DecodeSegment(strings.Split(tok, ".")[1])
	if got := string(payload); strings.Count(got, ":") != 3 {
		t.Fatalf("payload %s has more than sub, exp, iat", got)
	}
}

func TestTokenMinterDefaultsAndRefusals(t *testing.T) {
	t.Parallel()
	_, exp, err := realtime.TokenMinter{Secret: testSecret}.Mint(userA)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(exp); d < realtime.DefaultTokenTTL-2*time.Second || d > realtime.DefaultTokenTTL {
		t.Fatalf("default lifetime %v", d)
	}
	for name, m := range map[string]realtime.TokenMinter{
		"short secret": {Secret: []byte("short")},
		"negative ttl": {Secret: testSecret, TTL: -time.Second},
	} {
		if _, _, err := m.Mint(userA); err == nil {
			t.Errorf("%s: minted", name)
		}
	}
	if _, _, err := (realtime.TokenMinter{Secret: testSecret}).Mint(""); err == nil {
		t.Error("minted for an empty user")
	}
}
