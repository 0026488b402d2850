package blob

import (
	"net/url"
	"strings"
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
