package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/kira-art/kira/internal/ratelimit"
)

// RateLimitConfig configures the 429s (internal/ratelimit, applied in
// internal/httpapi). Each limit is written "N/unit" (unit s, m or h) with
// an optional burst, "N/unit:B"; "off" or "0" disables that one limit.
// Without a burst the bucket holds N, so "10/m" allows 10 at once, then
// one more every 6 s.
type RateLimitConfig struct {
	Enabled bool            // RATE_LIMIT_ENABLED, default true
	IP      ratelimit.Limit // RATE_LIMIT_IP, default 1200/m: every request of one client IP
	// TrustedProxies (RATE_LIMIT_TRUSTED_PROXIES, CIDRs or addresses,
	// comma-separated; default none) are the reverse proxies whose
	// X-Forwarded-For is believed; otherwise the client is the TCP peer.
	TrustedProxies []netip.Prefix

	Streaming RouteLimits // POST /agent/streaming
	Upload    RouteLimits // POST /upload
	Publish   RouteLimits // POST /publish/, /publish/video, /publish/audio
	Download  RouteLimits // POST /download/, /download/video
	Submit    RouteLimits // POST /video/submit/{taskId}, /music/submit/{taskId}
}

// RouteLimits are the two buckets of an expensive route group: one per
// signed-in user, one per client IP (looser: offices and mobile carriers
// put many users behind one address).
type RouteLimits struct {
	User ratelimit.Limit // RATE_LIMIT_USER_<GROUP>
	IP   ratelimit.Limit // RATE_LIMIT_IP_<GROUP>
}

// loadRateLimits reads the RATE_LIMIT_* settings; it appends what is
// malformed to problems.
func (c *Config) loadRateLimits(get func(key, def string) string, problems *[]string) {
	r := &c.RateLimit
	enabled, err := strconv.ParseBool(get("RATE_LIMIT_ENABLED", "true"))
	if err != nil {
		*problems = append(*problems, "RATE_LIMIT_ENABLED: not a boolean")
	}
	r.Enabled = enabled
	if r.TrustedProxies, err = ratelimit.ParsePrefixes(get("RATE_LIMIT_TRUSTED_PROXIES", "")); err != nil {
		*problems = append(*problems, "RATE_LIMIT_TRUSTED_PROXIES: "+err.Error())
	}
	for _, l := range []struct {
		key, def string
		dst      *ratelimit.Limit
	}{{"RATE_LIMIT_IP", "1200/m", &r.IP},
		{"RATE_LIMIT_USER_STREAMING", "20/m", &r.Streaming.User}, {"RATE_LIMIT_IP_STREAMING", "60/m", &r.Streaming.IP},
		{"RATE_LIMIT_USER_UPLOAD", "60/m", &r.Upload.User}, {"RATE_LIMIT_IP_UPLOAD", "180/m", &r.Upload.IP},
		{"RATE_LIMIT_USER_PUBLISH", "20/m", &r.Publish.User}, {"RATE_LIMIT_IP_PUBLISH", "60/m", &r.Publish.IP},
		{"RATE_LIMIT_USER_DOWNLOAD", "30/m", &r.Download.User}, {"RATE_LIMIT_IP_DOWNLOAD", "90/m", &r.Download.IP},
		{"RATE_LIMIT_USER_SUBMIT", "10/m", &r.Submit.User}, {"RATE_LIMIT_IP_SUBMIT", "30/m", &r.Submit.IP}} {
		v, err := ParseLimit(get(l.key, l.def))
		if err != nil {
			*problems = append(*problems, l.key+": "+err.Error())
		}
		*l.dst = v
	}
}

var limitUnits = map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}

// ParseLimit reads "N/unit" or "N/unit:B" (see RateLimitConfig); "off"
// and "0" are the zero Limit, which never limits.
func ParseLimit(s string) (ratelimit.Limit, error) {
	if s == "off" || s == "0" {
		return ratelimit.Limit{}, nil
	}
	rate, rest, ok := strings.Cut(s, "/")
	unit, burst, hasBurst := strings.Cut(rest, ":")
	n, err := strconv.Atoi(rate)
	period, known := limitUnits[unit]
	if !ok || err != nil || n <= 0 || !known {
		return ratelimit.Limit{}, fmt.Errorf("%q: want N/s, N/m or N/h, optionally :burst (e.g. 10/m:20), or off", s)
	}
	l := ratelimit.Limit{Rate: n, Period: period}
	if hasBurst {
		b, err := strconv.Atoi(burst)
		if err != nil || b <= 0 {
			return ratelimit.Limit{}, fmt.Errorf("%q: the burst after ':' must be a positive number", s)
		}
		l.Burst = b
	}
	return l, nil
}
