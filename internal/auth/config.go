package auth

import (
	"net/http"
	"time"
)

// Defaults applied by NewVerifier to zero-valued Config fields.
const (
	// DefaultLeeway tolerates small clock differences with Supabase.
	DefaultLeeway = 30 * time.Second
	// DefaultHTTPTimeout bounds each JWKS fetch.
	DefaultHTTPTimeout = 10 * time.Second
	// DefaultRefreshInterval is how often the JWKS is re-fetched in the
	// background, so revoked keys stop being trusted without a restart.
	DefaultRefreshInterval = 10 * time.Minute
	// DefaultMinRefreshInterval rate-limits re-fetches triggered by tokens
	// with an unknown kid, so forged kids cannot hammer the JWKS endpoint.
	DefaultMinRefreshInterval = 30 * time.Second
)

// Config selects where verification keys come from and what tokens must
// contain. Zero values get the defaults documented on each field.
type Config struct {
	JWKSURL     string       // remote JWKS; empty means use DevKey
	DevKey      *DevKey      // used when JWKSURL is empty
	Issuer      string       // when non-empty, iss must equal it
	Audience    string       // default DefaultAudience ("authenticated")
	HS256Secret []byte       // legacy; when empty HS256 is rejected
	AllowRS256  bool         // accept RS256 besides ES256
	HTTPClient  *http.Client // for fetching the JWKS; default has a 10s timeout

	// Leeway is the clock skew allowed on exp/nbf; zero means
	// DefaultLeeway, negative means none.
	Leeway time.Duration
	// RefreshInterval is the background JWKS refresh period; default
	// DefaultRefreshInterval.
	RefreshInterval time.Duration
	// MinRefreshInterval is the minimum time between refreshes caused by an
	// unknown kid; default DefaultMinRefreshInterval.
	MinRefreshInterval time.Duration
	// OnRefreshError, when set, is told about failed JWKS fetches (e.g. to
	// log them). The package itself never logs.
	OnRefreshError func(err error)
}

// withDefaults returns c with zero fields replaced by their defaults.
func (c Config) withDefaults() Config {
	if c.Audience == "" {
		c.Audience = DefaultAudience
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	switch {
	case c.Leeway == 0:
		c.Leeway = DefaultLeeway
	case c.Leeway < 0:
		c.Leeway = 0
	}
	if c.RefreshInterval <= 0 {
		c.RefreshInterval = DefaultRefreshInterval
	}
	if c.MinRefreshInterval <= 0 {
		c.MinRefreshInterval = DefaultMinRefreshInterval
	}
	return c
}

// fetchTimeout is the budget for one JWKS fetch: the client's own timeout
// when it has one, so a caller-supplied client is respected.
func (c Config) fetchTimeout() time.Duration {
	if c.HTTPClient != nil && c.HTTPClient.Timeout > 0 {
		return c.HTTPClient.Timeout
	}
	return DefaultHTTPTimeout
}
