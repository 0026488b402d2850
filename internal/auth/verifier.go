package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"golang.org/x/time/rate"
)

// maxTokenLen bounds the work done on attacker-supplied input; real Supabase
// access tokens are well under 2 KiB.
const maxTokenLen = 16 << 10

// Verifier checks access tokens. It is safe for concurrent use.
type Verifier struct {
	keys     keyfunc.Keyfunc
	parser   *jwt.Parser
	hsSecret []byte
	cancel   context.CancelFunc
	once     sync.Once
	verified verifiedCache
	now      func() time.Time // the cache's clock (tests move it)
}

// NewVerifier builds a Verifier from cfg. With a JWKSURL it fetches the key
// set once, but a failed fetch does not fail construction: the set is
// re-fetched in the background and whenever a token names an unknown kid,
// so the server can start while Supabase is briefly unreachable. That first
// fetch runs inside NewVerifier, so an endpoint that hangs (rather than
// refusing) delays start-up by up to the fetch timeout. It returns an error
// only for bad configuration. Cancelling ctx, like Close, stops the
// background refresh.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	cfg = cfg.withDefaults()
	methods := []string{jwt.SigningMethodES256.Alg()}
	if cfg.AllowRS256 {
		methods = append(methods, jwt.SigningMethodRS256.Alg())
	}
	if len(cfg.HS256Secret) > 0 {
		methods = append(methods, jwt.SigningMethodHS256.Alg())
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(methods),
		jwt.WithExpirationRequired(),
		jwt.WithAudience(cfg.Audience),
		jwt.WithLeeway(cfg.Leeway),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	v := &Verifier{
		parser:   jwt.NewParser(opts...),
		hsSecret: append([]byte(nil), cfg.HS256Secret...),
		cancel:   func() {},
		now:      time.Now,
	}

	switch {
	case cfg.JWKSURL != "":
		rctx, cancel := context.WithCancel(ctx)
		keys, err := remoteKeys(rctx, cfg)
		if err != nil {
			cancel()
			return nil, err
		}
		v.keys, v.cancel = keys, cancel
	case cfg.DevKey != nil:
		// The dev key goes through its published JWKS JSON rather than being
		// used directly, so development exercises the production code path.
		keys, err := keyfunc.NewJWKSetJSON(cfg.DevKey.JWKSJSON())
		if err != nil {
			return nil, fmt.Errorf("auth: dev key JWKS: %w", err)
		}
		v.keys = keys
	default:
		return nil, errors.New("auth: neither a JWKS URL nor a dev key is configured")
	}
	return v, nil
}

// remoteKeys creates the caching, self-refreshing JWKS client for cfg.JWKSURL.
func remoteKeys(ctx context.Context, cfg Config) (keyfunc.Keyfunc, error) {
	noFailOnFirstFetch := true
	timeout := cfg.fetchTimeout()
	keys, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{cfg.JWKSURL}, keyfunc.Override{
		Client:                    cfg.HTTPClient,
		HTTPTimeout:               timeout,
		NoErrorReturnFirstHTTPReq: &noFailOnFirstFetch,
		// The wait budget also bounds the on-demand fetch itself, so it is
		// the fetch timeout. The limiter refuses at once when the next
		// refresh slot is further away than that, so unknown-kid tokens
		// cannot pile up waiting.
		RateLimitWaitMax:        timeout,
		RefreshErrorHandlerFunc: refreshErrorHandler(cfg.OnRefreshError),
		RefreshInterval:         cfg.RefreshInterval,
		RefreshUnknownKID:       rate.NewLimiter(rate.Every(cfg.MinRefreshInterval), 1),
	})
	if err != nil {
		// Only a malformed URL gets here; fetch failures are tolerated.
		return nil, fmt.Errorf("auth: JWKS URL %q: %w", cfg.JWKSURL, err)
	}
	return keys, nil
}

// refreshErrorHandler adapts the optional hook to keyfunc's shape. A no-op
// default replaces keyfunc's, which would log through slog.Default.
func refreshErrorHandler(hook func(error)) func(string) func(context.Context, error) {
	return func(string) func(context.Context, error) {
		return func(_ context.Context, err error) {
			if hook != nil {
				hook(err)
			}
		}
	}
}

// Verify checks token's signature and claims and returns what it says about
// the user. Every failure wraps ErrInvalidToken. ctx bounds any JWKS fetch
// caused by an unknown kid.
func (v *Verifier) Verify(ctx context.Context, token string) (Claims, error) {
	switch {
	case token == "":
		return Claims{}, invalid("empty token")
	case len(token) > maxTokenLen:
		return Claims{}, invalid("token longer than %d bytes", maxTokenLen)
	}
	key, now := sha256.Sum256([]byte(token)), v.now()
	if c, kid, ok := v.verified.get(key, now); ok && v.stillPublished(ctx, kid) {
		return c, nil
	}
	c, kid, err := v.verify(ctx, token)
	if err == nil {
		v.verified.put(key, c, kid, now)
	}
	return c, err
}

// stillPublished reports whether the key that signed a cached token is
// still in the key set: a key dropped from the JWKS takes its tokens with
// it at the next refresh, cached or not. HS256 tokens have no kid.
func (v *Verifier) stillPublished(ctx context.Context, kid string) bool {
	if kid == "" {
		return true
	}
	_, err := v.keys.Storage().KeyRead(ctx, kid)
	return err == nil
}

// verify checks a token's signature and claims (the uncached path) and
// returns the kid of the key that signed it ("" for HS256).
func (v *Verifier) verify(ctx context.Context, token string) (Claims, string, error) {
	var tc tokenClaims
	t, err := v.parser.ParseWithClaims(token, &tc, v.lookupKey(ctx))
	if err != nil {
		return Claims{}, "", invalid("%w", err)
	}
	kid, _ := t.Header["kid"].(string)
	if t.Method.Alg() == jwt.SigningMethodHS256.Alg() {
		kid = ""
	}
	c, err := claimsOf(tc)
	return c, kid, err
}

// claimsOf checks what a verified token says about its user.
func claimsOf(tc tokenClaims) (Claims, error) {
	if tc.Role != RoleAuthenticated {
		return Claims{}, invalid("role %q is not %q", tc.Role, RoleAuthenticated)
	}
	userID, err := parseUserID(tc.Subject)
	if err != nil {
		return Claims{}, invalid("%w", err)
	}
	return Claims{
		UserID:    userID,
		Email:     tc.Email,
		Role:      tc.Role,
		ExpiresAt: tc.ExpiresAt.Time, // non-nil: WithExpirationRequired
	}, nil
}

// lookupKey picks the verification key. The parser has already restricted the
// alg to the allowed set; HS256 only reaches here when a secret is set, and
// never consults the JWK set, so a published key cannot become an HMAC key.
func (v *Verifier) lookupKey(ctx context.Context) jwt.Keyfunc {
	fromSet := v.keys.KeyfuncCtx(ctx)
	return func(t *jwt.Token) (any, error) {
		if t.Method.Alg() == jwt.SigningMethodHS256.Alg() {
			if len(v.hsSecret) == 0 {
				return nil, errors.New("HS256 not enabled")
			}
			return v.hsSecret, nil
		}
		// Without a kid keyfunc would try every key in the set; Supabase
		// always sends one, so insist on it and keep lookups exact.
		if kid, _ := t.Header["kid"].(string); kid == "" {
			return nil, errors.New("missing kid header")
		}
		return fromSet(t)
	}
}

// parseUserID accepts only the hyphenated 36-character UUID form Supabase
// uses (uuid.Parse alone would also take braces and urn: prefixes) and
// returns it lower-cased, so user ids compare equal as strings.
func parseUserID(sub string) (string, error) {
	if sub == "" {
		return "", errors.New("missing sub")
	}
	id, err := uuid.Parse(sub)
	// At length 36 uuid.Parse insists on the four hyphens, so this is the
	// canonical layout (in either case).
	if err != nil || len(sub) != 36 {
		return "", fmt.Errorf("sub %q is not a UUID", sub)
	}
	if id == uuid.Nil {
		return "", errors.New("sub is the nil UUID")
	}
	return id.String(), nil
}

// Close stops background JWKS refreshes. It is safe to call more than once.
func (v *Verifier) Close() {
	v.once.Do(v.cancel)
}
