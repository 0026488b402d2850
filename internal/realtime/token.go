package realtime

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DefaultTokenTTL is TokenMinter's lifetime when TTL is zero.
const DefaultTokenTTL = time.Hour

// TokenMinter signs Centrifugo connection tokens (HS256 with sub, exp and
// iat) for the external mode's GET /realtime/token; Centrifugo verifies
// them with the same secret (client.token.hmac_secret_key in v6).
type TokenMinter struct {
	Secret []byte        // shared with Centrifugo (CENTRIFUGO_TOKEN_SECRET)
	TTL    time.Duration // token lifetime (0: DefaultTokenTTL)
}

// minSecretLen is the shortest secret accepted: HS256 wants 256 bits.
const minSecretLen = 32

// Mint returns a token for userID and when it expires.
func (m TokenMinter) Mint(userID string) (token string, expiresAt time.Time, err error) {
	switch {
	case len(m.Secret) < minSecretLen:
		return "", time.Time{}, fmt.Errorf("realtime: token secret shorter than %d bytes", minSecretLen)
	case userID == "":
		return "", time.Time{}, errors.New("realtime: token for an empty user id")
	case m.TTL < 0:
		return "", time.Time{}, errors.New("realtime: negative token TTL")
	}
	ttl := m.TTL
	if ttl == 0 {
		ttl = DefaultTokenTTL
	}
	now := time.Now().Truncate(time.Second)
	exp := now.Add(ttl)
	claims := jwt.RegisteredClaims{
		Subject:   userID,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
	}
	token, err = jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(m.Secret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("realtime: sign token: %w", err)
	}
	return token, exp, nil
}
