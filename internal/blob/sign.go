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
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// URLTTL is how long a signed URL stays valid (API.md: at least one day).
const URLTTL = 7 * 24 * time.Hour

// Signer signs and verifies file URLs served under <base>/files/<key>.
type Signer struct {
	base string
	key  []byte
	now  func() time.Time
}

// NewSigner signs URLs under base (the public URL of this server).
func NewSigner(base string, key []byte) *Signer {
	return &Signer{base: base, key: key, now: time.Now}
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

// URL returns a signed URL for a storage key. Expiry is rounded to the hour
// so the same file yields the same URL for an hour (browser caches hit).
func (s *Signer) URL(key string) string {
	return s.URLUntil(key, s.now().Add(URLTTL).Truncate(time.Hour).Add(time.Hour))
}

// URLUntil returns a signed URL for key that stops working after exp (for
// short-lived links, and for tests of expiry).
func (s *Signer) URLUntil(key string, exp time.Time) string {
	e := exp.Unix()
	return fmt.Sprintf("%s/files/%s?exp=%d&sig=%s", s.base, (&url.URL{Path: key}).EscapedPath(), e, s.mac(key, e))
}

// ErrBadSignature means a URL was forged, altered or has expired.
var ErrBadSignature = errors.New("bad or expired signature")

// Verify checks the exp and sig query values of a request for key.
func (s *Signer) Verify(key, expText, sig string) error {
	exp, err := strconv.ParseInt(expText, 10, 64)
	if err != nil || s.now().Unix() > exp {
		return ErrBadSignature
	}
	if !hmac.Equal([]byte(sig), []byte(s.mac(key, exp))) {
		return ErrBadSignature
	}
	return nil
}

func (s *Signer) mac(key string, exp int64) string {
	m := hmac.New(sha256.New, s.key)
	fmt.Fprintf(m, "%s\n%d", key, exp)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
