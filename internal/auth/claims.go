package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims is what the rest of the server learns from a valid token.
type Claims struct {
	UserID    string    // sub, a UUID string (lower-case canonical form)
	Email     string    // may be empty
	Role      string    // always RoleAuthenticated for a verified token
	ExpiresAt time.Time // exp
}

// ErrInvalidToken is wrapped by every verification failure, so errors.Is
// works. The wrapping error's message says why; it is meant for logs only,
// clients should just get a 401.
var ErrInvalidToken = errors.New("invalid token")

// DefaultAudience is the aud Supabase puts in signed-in users' tokens.
const DefaultAudience = "authenticated"

// RoleAuthenticated is the only role accepted: Supabase gives "anon" and
// "service_role" to API keys, which must not act as users.
const RoleAuthenticated = "authenticated"

// tokenClaims is the JSON shape of a Supabase access token's payload, as far
// as the server cares.
type tokenClaims struct {
	jwt.RegisteredClaims
	Email string `json:"email,omitempty"`
	Role  string `json:"role,omitempty"`
}

// invalid wraps ErrInvalidToken with the reason, keeping the cause (e.g. a
// jwt sentinel error) reachable through errors.Is as well.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %w", ErrInvalidToken, fmt.Errorf(format, args...))
}
