package external

import "testing"

// TestPrivateHost: PostHog Cloud's ingestion hosts map to the hosts of
// the private API; anything else (self-hosted, tests) is kept.
func TestPrivateHost(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://us.i.posthog.com":   "https://us.posthog.com",
		"https://eu.i.posthog.com/":  "https://eu.posthog.com",
		"https://us.posthog.com":     "https://us.posthog.com",
		"https://ph.example.com/sub": "https://ph.example.com/sub",
		"http://127.0.0.1:8000":      "http://127.0.0.1:8000",
	} {
		if got := privateHost(in); got != want {
			t.Errorf("privateHost(%q) = %q, want %q", in, got, want)
		}
	}
}
