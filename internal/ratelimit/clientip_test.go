package ratelimit_test

import (
	"net/netip"
	"testing"

	"github.com/kira-art/kira/internal/ratelimit"
)

// TestClientIP: X-Forwarded-For counts only behind a trusted proxy, and
// then only its right-most untrusted hop (the left is client-written).
func TestClientIP(t *testing.T) {
	t.Parallel()
	trusted, err := ratelimit.ParsePrefixes("10.0.0.0/8, 192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, remote string
		xff          []string
		trusted      []netip.Prefix
		want         string
	}{
		{"no proxies: header ignored", "203.0.113.5:4000", []string{"1.2.3.4"}, nil, "203.0.113.5"},
		{"untrusted peer: header ignored", "203.0.113.5:4000", []string{"1.2.3.4"}, trusted, "203.0.113.5"},
		{"trusted peer", "10.1.2.3:4000", []string{"1.2.3.4"}, trusted, "1.2.3.4"},
		{"spoofed left hop skipped", "10.1.2.3:4000", []string{"6.6.6.6, 1.2.3.4"}, trusted, "1.2.3.4"},
		{"proxy chain", "10.1.2.3:4000", []string{"1.2.3.4", "192.0.2.7"}, trusted, "1.2.3.4"},
		{"garbled hop", "10.1.2.3:4000", []string{"1.2.3.4, nonsense"}, trusted, "10.1.2.3"},
		{"all trusted", "10.1.2.3:4000", []string{"10.9.9.9"}, trusted, "10.9.9.9"},
		{"no header", "10.1.2.3:4000", nil, trusted, "10.1.2.3"},
		{"ipv6 peer", "[2001:db8::1]:443", nil, nil, "2001:db8::1"},
	} {
		if got := ratelimit.ClientIP(c.remote, c.xff, c.trusted); got.String() != c.want {
			t.Errorf("%s: %v, want %s", c.name, got, c.want)
		}
	}
}

// TestIPKey: IPv6 addresses share their /64's bucket.
func TestIPKey(t *testing.T) {
	t.Parallel()
	a, b := netip.MustParseAddr("2001:db8:1:2::1"), netip.MustParseAddr("2001:db8:1:2:ffff::9")
	if ratelimit.IPKey(a) != ratelimit.IPKey(b) || ratelimit.IPKey(a) != "2001:db8:1:2::/64" {
		t.Fatalf("%s %s", ratelimit.IPKey(a), ratelimit.IPKey(b))
	}
	if k := ratelimit.IPKey(netip.MustParseAddr("::ffff:1.2.3.4")); k != "1.2.3.4" {
		t.Fatalf("mapped v4: %s", k)
	}
	if _, err := ratelimit.ParsePrefixes("10.0.0.0/33"); err == nil {
		t.Fatal("bad prefix accepted")
	}
}

// FuzzClientIP: any peer and header give a valid address or none, never
// a panic, and an untrusted setup always answers the peer.
func FuzzClientIP(f *testing.F) {
	f.Add("10.1.2.3:4000", "1.2.3.4, 10.0.0.1")
	f.Add("[::1]:80", "[2001:db8::1]:99,,")
	trusted := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		ratelimit.IPKey(ratelimit.ClientIP(remote, []string{xff}, trusted))
		if got, peer := ratelimit.ClientIP(remote, []string{xff}, nil), ratelimit.ClientIP(remote, nil, nil); got != peer {
			t.Fatalf("header used without trusted proxies: %v vs %v", got, peer)
		}
	})
}
