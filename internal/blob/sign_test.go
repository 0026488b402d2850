package blob

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSignedURLRoundTrip(t *testing.T) {
	t.Parallel()
	s := NewSigner("http://localhost:8080", []byte("0123456789abcdef0123456789abcdef"))
	raw := s.URL("images/u1/gen_1.png")
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimPrefix(u.Path, "/files/")
	q := u.Query()
	if err := s.Verify(key, q.Get("exp"), q.Get("sig")); err != nil {
		t.Fatalf("fresh URL rejected: %v", err)
	}
	if err := s.Verify("images/u1/other.png", q.Get("exp"), q.Get("sig")); err == nil {
		t.Fatal("signature accepted for another key")
	}
	if err := s.Verify(key, "99999999999", q.Get("sig")); err == nil {
		t.Fatal("signature accepted with an altered expiry")
	}
	s.now = func() time.Time { return time.Now().Add(URLTTL + 2*time.Hour) }
	if err := s.Verify(key, q.Get("exp"), q.Get("sig")); err == nil {
		t.Fatal("expired URL accepted")
	}
}

func TestLoadOrCreateKeyPersists(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreateKey(dir)
	if err != nil || string(a) != string(b) {
		t.Fatalf("key not persisted: %v", err)
	}
}

func testSigner() *Signer {
	return NewSigner("http://localhost:8080", []byte("0123456789abcdef0123456789abcdef"))
}

// TestCachedURLEqualsFresh: a cache hit returns exactly what signing from
// scratch gives, and both verify.
func TestCachedURLEqualsFresh(t *testing.T) {
	t.Parallel()
	s := testSigner()
	at := time.Date(2026, 3, 1, 10, 20, 0, 0, time.UTC)
	s.now = func() time.Time { return at }
	exp := at.Add(URLTTL).Truncate(time.Hour).Add(time.Hour)
	for _, key := range []string{"images/u1/gen_1.png", "images/u1/gen_1-thumb.webp", "a b/ü?#%.png"} {
		first, hit := s.URL(key), s.URL(key)
		fresh := s.URLUntil(key, exp)
		if first != fresh || hit != fresh {
			t.Fatalf("%q: first %s, cached %s, fresh %s", key, first, hit, fresh)
		}
		u, err := url.Parse(hit)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimPrefix(u.Path, "/files/"); got != key {
			t.Fatalf("path decodes to %q, want %q", got, key)
		}
		if err := s.Verify(key, u.Query().Get("exp"), u.Query().Get("sig")); err != nil {
			t.Fatalf("%q: cached URL rejected: %v", key, err)
		}
	}
}

// TestURLMatchesFormerFormat pins the URL to the fmt/net-url construction
// it replaced, so URLs already handed out keep their shape.
func TestURLMatchesFormerFormat(t *testing.T) {
	t.Parallel()
	s := testSigner()
	exp := time.Unix(1_800_000_000, 0)
	for _, key := range []string{"images/u1/gen_1.png", "seed/1/img-0001-blur.webp", "x y/z%25.png", "日本/a.png", "a+b:c.png"} {
		m := hmac.New(sha256.New, s.key)
		fmt.Fprintf(m, "%s\n%d", key, exp.Unix())
		want := fmt.Sprintf("%s/files/%s?exp=%d&sig=%s", s.base, (&url.URL{Path: key}).EscapedPath(), exp.Unix(),
			base64.RawURLEncoding.EncodeToString(m.Sum(nil)))
		if got := s.URLUntil(key, exp); got != want {
			t.Fatalf("%q:\n got %s\nwant %s", key, got, want)
		}
	}
}

// TestURLExpiryRollover: when the hour turns, URL() signs a new expiry
// (the cache does not keep serving the old one), and both URLs verify.
func TestURLExpiryRollover(t *testing.T) {
	t.Parallel()
	s := testSigner()
	at := time.Date(2026, 3, 1, 10, 59, 0, 0, time.UTC)
	s.now = func() time.Time { return at }
	key := "images/u1/gen_1.png"
	before := s.URL(key)
	at = at.Add(2 * time.Minute)
	after := s.URL(key)
	if before == after {
		t.Fatal("same URL after the expiry hour turned")
	}
	if want := s.URLUntil(key, at.Add(URLTTL).Truncate(time.Hour).Add(time.Hour)); after != want {
		t.Fatalf("after rollover %s, want %s", after, want)
	}
	for _, raw := range []string{before, after} {
		u, _ := url.Parse(raw)
		if err := s.Verify(key, u.Query().Get("exp"), u.Query().Get("sig")); err != nil {
			t.Fatalf("%s rejected: %v", raw, err)
		}
	}
	// A late caller still on the old hour gets a correct URL and does not
	// push the new hour's entries out.
	if got := s.URLAt(key, at.Add(-2*time.Minute)); got != before {
		t.Fatalf("old-hour URL %s, want %s", got, before)
	}
	if got := s.URL(key); got != after {
		t.Fatalf("cache lost the new hour: %s", got)
	}
}

// TestURLCacheBounded: however many keys are signed, the cache holds at
// most cacheShards × cacheShardCap URLs, and stays correct under
// concurrent use (run with -race).
func TestURLCacheBounded(t *testing.T) {
	t.Parallel()
	s := testSigner()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 3 * cacheShards * cacheShardCap / 4 {
				key := "images/u" + strconv.Itoa(g) + "/gen_" + strconv.Itoa(i) + ".png"
				if u := s.URL(key); !strings.Contains(u, "/files/"+key+"?exp=") {
					t.Errorf("URL %s for %s", u, key)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := s.cache.len(); n == 0 || n > cacheShards*cacheShardCap {
		t.Fatalf("cache holds %d URLs, bound %d", n, cacheShards*cacheShardCap)
	}
	s.URL(strings.Repeat("k", cacheMaxKey+1))
	if _, ok := s.cache.get(strings.Repeat("k", cacheMaxKey+1), s.now().Add(URLTTL).Truncate(time.Hour).Add(time.Hour).Unix()); ok {
		t.Fatal("an over-long key was cached")
	}
}
