// Package blob stores files and makes the URLs clients fetch them with.
// This file holds the URL signer of the local backend: URLs carry an expiry
// and an HMAC over key and expiry, so the unguessable signature is the
// capability and no session is needed to fetch a file.
package blob

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// URLTTL is how long a signed URL stays valid (API.md: at least one day).
const URLTTL = 7 * 24 * time.Hour

// Signer signs and verifies file URLs served under <base>/files/<key>.
type Signer struct {
	base  string
	key   []byte
	now   func() time.Time
	macs  sync.Pool // *macState keyed with key
	cache urlCache
}

// NewSigner signs URLs under base (the public URL of this server).
func NewSigner(base string, key []byte) *Signer {
	s := &Signer{base: base, key: key, now: time.Now}
	s.macs.New = func() any {
		return &macState{h: hmac.New(sha256.New, key), msg: make([]byte, 0, 128), sum: make([]byte, 0, sha256.Size)}
	}
	s.cache.init()
	return s
}

// LoadOrCreateKey reads the URL-signing key from dataDir, making a random one
// on first start so URLs survive restarts.
func LoadOrCreateKey(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, "url-signing.key")
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return b, nil
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("write signing key: %w", err)
	}
	return b, nil
}

// URL returns a signed URL for a storage key. Expiry is rounded up to the
// hour (valid between URLTTL and URLTTL + 1h, API.md asks for ≥ 1 day), so
// the same file yields the same URL for an hour: browser caches hit, and the
// signature is deterministic per key and hour, which lets the signer cache
// the URL instead of computing an HMAC for each of a page's URLs.
func (s *Signer) URL(key string) string { return s.URLAt(key, s.now()) }

// URLAt is URL as of now. Reading the clock costs more than a cache hit on
// some machines (~250 ns here against ~60 ns for the hit), so a caller
// signing many URLs for one response reads it once and passes it in.
func (s *Signer) URLAt(key string, now time.Time) string {
	exp := now.Add(URLTTL).Truncate(time.Hour).Add(time.Hour).Unix()
	if u, ok := s.cache.get(key, exp); ok {
		return u
	}
	u := s.build(key, exp)
	s.cache.put(key, exp, u)
	return u
}

// URLUntil returns a signed URL for key that stops working after exp (for
// short-lived links, and for tests of expiry). It is not cached.
func (s *Signer) URLUntil(key string, exp time.Time) string {
	return s.build(key, exp.Unix())
}

// build makes <base>/files/<escaped key>?exp=<unix>&sig=<mac> with appends
// into a stack buffer: one allocation, the returned string.
func (s *Signer) build(key string, exp int64) string {
	var arr [256]byte
	b := append(arr[:0], s.base...)
	b = append(b, "/files/"...)
	b = appendPath(b, key)
	b = append(b, "?exp="...)
	b = strconv.AppendInt(b, exp, 10)
	b = append(b, "&sig="...)
	b = s.appendMAC(b, key, exp)
	return string(b)
}

// appendPath appends key escaped as a URL path. Keys are made of
// [A-Za-z0-9._/-] (keys.go), which need no escaping; anything else goes
// through net/url so the result stays what it always was.
func appendPath(b []byte, key string) []byte {
	for i := 0; i < len(key); i++ {
		if c := key[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == '/' || c == '-') {
			return append(b, (&url.URL{Path: key}).EscapedPath()...)
		}
	}
	return append(b, key...)
}

// ErrBadSignature means a URL was forged, altered or has expired.
var ErrBadSignature = errors.New("bad or expired signature")

// Verify checks the exp and sig query values of a request for key.
func (s *Signer) Verify(key, expText, sig string) error {
	exp, err := strconv.ParseInt(expText, 10, 64)
	if err != nil || s.now().Unix() > exp {
		return ErrBadSignature
	}
	var arr [64]byte
	if !hmac.Equal([]byte(sig), s.appendMAC(arr[:0], key, exp)) {
		return ErrBadSignature
	}
	return nil
}

// macState is a reusable HMAC with the scratch space of one signature.
type macState struct {
	h   hash.Hash
	msg []byte
	sum []byte
}

// appendMAC appends base64url(HMAC-SHA256(key "\n" exp)) to dst. The HMAC
// (its keyed inner and outer states) comes from a pool and is Reset, so
// signing allocates nothing.
func (s *Signer) appendMAC(dst []byte, key string, exp int64) []byte {
	m := s.macs.Get().(*macState)
	m.h.Reset()
	m.msg = append(m.msg[:0], key...)
	m.msg = append(m.msg, '\n')
	m.msg = strconv.AppendInt(m.msg, exp, 10)
	m.h.Write(m.msg)
	m.sum = m.h.Sum(m.sum[:0])
	dst = base64.RawURLEncoding.AppendEncode(dst, m.sum)
	s.macs.Put(m)
	return dst
}
