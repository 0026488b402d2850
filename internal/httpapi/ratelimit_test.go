package httpapi_test

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/ratelimit"
	"github.com/kira-art/kira/internal/store/storetest"
)

// withRateLimits turns the limits on (the harness runs with them off) with
// every limit off except what set configures.
func withRateLimits(set func(r *config.RateLimitConfig)) func(*config.Config) {
	return func(c *config.Config) {
		c.RateLimit = config.RateLimitConfig{Enabled: true}
		c.AdminPassword = testAdminPassword
		set(&c.RateLimit)
	}
}

// perHour is a limit that does not refill during a test.
func perHour(n int) ratelimit.Limit { return ratelimit.Limit{Rate: n, Period: time.Hour} }

// expectLimited checks the 429: body {"message":"Too many requests",
// "error":"rate_limited"} exactly, and Retry-After in whole seconds ≥ 1.
func expectLimited(t *testing.T, status int, header http.Header, body []byte) {
	t.Helper()
	var got map[string]any
	if status != http.StatusTooManyRequests || json.Unmarshal(body, &got) != nil ||
		!maps.Equal(got, map[string]any{"message": "Too many requests", "error": "rate_limited"}) {
		t.Fatalf("status %d body %s, want the 429 of a rate limit", status, body)
	}
	if s, err := strconv.Atoi(header.Get("Retry-After")); err != nil || s < 1 || s > 3600 {
		t.Fatalf("Retry-After %q", header.Get("Retry-After"))
	}
}

// stream sends a streaming request to a thread nobody has (404), which
// costs a token all the same: the limit is on attempts, not on successes.
func (e *env) stream(u user) response {
	e.t.Helper()
	return e.do("POST", "/agent/streaming", u.Token, streamBody(uuid.NewString(), "m1", "hi"))
}

// TestRateLimitStreamingPerUser: the N+1th streaming request of one user
// is 429 with Retry-After and the documented body, counted in
// kira_rate_limited_total; another user is not limited.
func TestRateLimitStreamingPerUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t), withRateLimits(func(r *config.RateLimitConfig) { r.Streaming.User = perHour(3) }))
	alice, bob := e.newUser(), e.newUser()
	for i := range 3 {
		if r := e.stream(alice); r.Status == http.StatusTooManyRequests {
			t.Fatalf("request %d limited", i+1)
		}
	}
	r := e.stream(alice)
	expectLimited(t, r.Status, r.Header, r.Body)
	if s, _ := strconv.Atoi(r.Header.Get("Retry-After")); s < 1100 { // one token per 20 min
		t.Fatalf("Retry-After %d, want ~1200", s)
	}
	if r := e.stream(bob); r.Status == http.StatusTooManyRequests {
		t.Fatal("another user limited")
	}
	m := expect(t, e.do("GET", "/metrics", "", nil), 200)
	if !strings.Contains(string(m.Body), `kira_rate_limited_total{route="POST /agent/streaming"} 1`) {
		t.Fatal("kira_rate_limited_total not counted")
	}
}

// TestRateLimitRoutePerIP: a route group's IP bucket is shared by the
// users behind one address, and each group has buckets of its own.
func TestRateLimitRoutePerIP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t), withRateLimits(func(r *config.RateLimitConfig) {
		r.Streaming.IP, r.Submit.IP = perHour(2), perHour(1)
	}))
	e.stream(e.newUser())
	e.stream(e.newUser())
	r := e.stream(e.newUser())
	expectLimited(t, r.Status, r.Header, r.Body)
	u := e.newUser()
	if r := e.do("POST", "/video/submit/"+uuid.NewString(), u.Token, nil); r.Status == 429 {
		t.Fatal("the submit group shares the streaming bucket")
	}
	r = e.do("POST", "/music/submit/"+uuid.NewString(), u.Token, nil)
	expectLimited(t, r.Status, r.Header, r.Body) // video and music submits are one group
}

// plain sends a request outside the OpenAPI-checking client: the global
// limit answers 429 on every route, which the spec lists only where a
// route limit applies.
func plain(t *testing.T, e *env, method, path string, header ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func expectPlainLimited(t *testing.T, resp *http.Response) {
	t.Helper()
	body, _ := io.ReadAll(resp.Body)
	expectLimited(t, resp.StatusCode, resp.Header, body)
}

// TestRateLimitGlobalPerIP: every route counts against the client IP; the
// probes and the password routes (with the right password) never do.
func TestRateLimitGlobalPerIP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t), withRateLimits(func(r *config.RateLimitConfig) { r.IP = perHour(5) }))
	for range 5 {
		if resp := plain(t, e, "GET", "/feed/"); resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	expectPlainLimited(t, plain(t, e, "GET", "/feed/"))
	expectPlainLimited(t, plain(t, e, "GET", "/image/"+uuid.NewString()))
	for range 10 {
		for _, p := range []string{"/health", "/ready", "/metrics"} {
			if resp := plain(t, e, "GET", p); resp.StatusCode != 200 {
				t.Fatalf("%s: %d", p, resp.StatusCode)
			}
		}
		// The password routes answer as usual (404: no such post).
		expect(t, e.do("PUT", "/feed/"+uuid.NewString()+"/featured?password="+testAdminPassword, "", nil), 404)
		expect(t, e.do("DELETE", "/user?userId="+uuid.NewString()+"&password="+testAdminPassword, "", nil), 200)
	}
	// A wrong password is counted like any request (it slows guessing).
	expectPlainLimited(t, plain(t, e, "PUT", "/feed/"+uuid.NewString()+"/featured?password=wrong"))
}

// TestRateLimitTrustedProxy: behind a trusted proxy the client is read
// from X-Forwarded-For; without one the header cannot dodge the limit.
func TestRateLimitTrustedProxy(t *testing.T) {
	t.Parallel()
	trusted := newEnv(t, storetest.OpenSQLite(t), withRateLimits(func(r *config.RateLimitConfig) {
		r.IP, r.TrustedProxies = perHour(1), []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}))
	plain(t, trusted, "GET", "/feed/", "X-Forwarded-For", "198.51.100.1")
	expectPlainLimited(t, plain(t, trusted, "GET", "/feed/", "X-Forwarded-For", "198.51.100.1"))
	if resp := plain(t, trusted, "GET", "/feed/", "X-Forwarded-For", "198.51.100.2"); resp.StatusCode != 200 {
		t.Fatalf("another client behind the proxy: %d", resp.StatusCode)
	}

	direct := newEnv(t, storetest.OpenSQLite(t), withRateLimits(func(r *config.RateLimitConfig) { r.IP = perHour(1) }))
	plain(t, direct, "GET", "/feed/", "X-Forwarded-For", "198.51.100.1")
	expectPlainLimited(t, plain(t, direct, "GET", "/feed/", "X-Forwarded-For", "198.51.100.2"))
}

// TestRateLimitDisabled guards the harness: with limits off
// (the default of every other handler test) nothing is ever 429.
func TestRateLimitDisabled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t), func(c *config.Config) {
		c.RateLimit.Streaming.User, c.RateLimit.IP = perHour(1), perHour(1) // limits set, switch off
	})
	u := e.newUser()
	for range 5 {
		if r := e.stream(u); r.Status == 429 {
			t.Fatal("limited although RATE_LIMIT_ENABLED=false")
		}
	}
}

// TestRateLimitSharedAcrossInstances: two instances on one Redis draw
// from the same buckets.
func TestRateLimitSharedAcrossInstances(t *testing.T) {
	t.Parallel()
	url := os.Getenv("KIRA_TEST_REDIS_URL")
	if url == "" {
		t.Skip("KIRA_TEST_REDIS_URL not set")
	}
	st := storetest.OpenSQLite(t)
	prefix := "kiratest:" + uuid.NewString()[:8] + ":"
	shared := func(c *config.Config) { c.RedisURL, c.RedisPrefix = url, prefix }
	limits := withRateLimits(func(r *config.RateLimitConfig) { r.Streaming.User = perHour(2) })
	one, two := newEnv(t, st, shared, limits), newEnv(t, st, shared, limits)
	u := one.newUser()
	tok2, err := two.key.Mint(u.ID, "", time.Hour, "") // each instance has its own development key
	if err != nil {
		t.Fatal(err)
	}
	one.stream(u)
	two.stream(user{ID: u.ID, Token: tok2})
	r := one.stream(u)
	expectLimited(t, r.Status, r.Header, r.Body)
	r = two.stream(user{ID: u.ID, Token: tok2})
	expectLimited(t, r.Status, r.Header, r.Body)
}
