package config

import (
	"strings"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/ratelimit"
)

func TestRateLimitDefaults(t *testing.T) {
	t.Parallel()
	c, err := FromLookup(lookup(nil))
	if err != nil {
		t.Fatal(err)
	}
	r := c.RateLimit
	if !r.Enabled || r.IP != (ratelimit.Limit{Rate: 1200, Period: time.Minute}) || len(r.TrustedProxies) != 0 {
		t.Fatalf("defaults: %+v", r)
	}
	if r.Streaming.User != (ratelimit.Limit{Rate: 20, Period: time.Minute}) || r.Submit.User.Off() || r.Upload.IP.Off() {
		t.Fatalf("route defaults: %+v", r)
	}
}

func TestRateLimitSettings(t *testing.T) {
	t.Parallel()
	c, err := FromLookup(lookup(map[string]string{"RATE_LIMIT_ENABLED": "false", "RATE_LIMIT_IP": "off",
		"RATE_LIMIT_USER_STREAMING": "5/s:10", "RATE_LIMIT_TRUSTED_PROXIES": "10.0.0.0/8,::1"}))
	if err != nil {
		t.Fatal(err)
	}
	r := c.RateLimit
	if r.Enabled || !r.IP.Off() || r.Streaming.User != (ratelimit.Limit{Rate: 5, Period: time.Second, Burst: 10}) || len(r.TrustedProxies) != 2 {
		t.Fatalf("settings: %+v", r)
	}
}

func TestRateLimitBadSettings(t *testing.T) {
	t.Parallel()
	for key, v := range map[string]string{"RATE_LIMIT_ENABLED": "maybe", "RATE_LIMIT_IP": "10/d",
		"RATE_LIMIT_USER_UPLOAD": "-1/m", "RATE_LIMIT_IP_SUBMIT": "10/m:0", "RATE_LIMIT_TRUSTED_PROXIES": "10.0.0.0/99"} {
		_, err := FromLookup(lookup(map[string]string{key: v}))
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%s: %v", key, v, err)
		}
	}
}

// FuzzParseLimit: anything is a limit or an error; a limit is usable.
func FuzzParseLimit(f *testing.F) {
	for _, s := range []string{"10/m", "5/s:10", "off", "0", "1/h:", "/m", "9999999999999999999/s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLimit(s)
		if err == nil && !l.Off() && (l.Rate <= 0 || l.Period <= 0 || l.Burst < 0) {
			t.Fatalf("%q parsed as unusable %+v", s, l)
		}
	})
}
