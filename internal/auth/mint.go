package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Mint signs an ES256 access token shaped like Supabase's: sub, email (when
// non-empty), aud and role "authenticated", iat, exp = now+ttl, iss (when
// non-empty), and the key's kid in the header. sub must be a UUID so that
// minted tokens always pass Verify.
func (k *DevKey) Mint(sub, email string, ttl time.Duration, issuer string) (string, error) {
	if _, err := parseUserID(sub); err != nil {
		return "", fmt.Errorf("auth: mint: %w", err)
	}
	if ttl <= 0 {
		return "", errors.New("auth: mint: ttl must be positive")
	}
	now := time.Now()
	// MapClaims rather than RegisteredClaims so aud is a plain string, as in
	// Supabase tokens (RegisteredClaims would encode a one-element array).
	claims := jwt.MapClaims{
		"sub":  sub,
		"aud":  DefaultAudience,
		"role": RoleAuthenticated,
		"iat":  now.Unix(),
		"exp":  now.Add(ttl).Unix(),
	}
	if email != "" {
		claims["email"] = email
	}
	if issuer != "" {
		claims["iss"] = issuer
	}
	return k.sign(claims)
}

// sign signs claims with ES256 and the key's kid.
func (k *DevKey) sign(claims jwt.Claims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	t.Header["kid"] = k.kid
	s, err := t.SignedString(k.priv)
	if err != nil {
		return "", fmt.Errorf("auth: mint: %w", err)
	}
	return s, nil
}

// SignClaims signs arbitrary claims with the development key. It exists for
// tests of callers (expired, wrong-audience tokens…): Verify still decides
// what is acceptable.
func (k *DevKey) SignClaims(claims jwt.MapClaims) (string, error) { return k.sign(claims) }
