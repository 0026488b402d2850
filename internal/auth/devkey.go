package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// DevKeyFileName is the dev key's file name inside the data directory.
const DevKeyFileName = "jwt-dev-key.pem"

// DevKey is the development signing key: an ES256 (P-256) key pair that
// stands in for Supabase's when no JWKS URL is configured.
type DevKey struct {
	priv *ecdsa.PrivateKey
	kid  string
	jwks []byte
}

// LoadOrCreateDevKey returns the key stored at dataDir/DevKeyFileName,
// creating the directory and a new key (file mode 0600) when missing. Reusing
// the file keeps tokens valid across restarts and lets a separate `kira
// token` process mint tokens that the running server accepts.
func LoadOrCreateDevKey(dataDir string) (*DevKey, error) {
	if dataDir == "" {
		return nil, errors.New("auth: dev key: empty data directory")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("auth: dev key: %w", err)
	}
	path := filepath.Join(dataDir, DevKeyFileName)
	data, err := os.ReadFile(path)
	if err == nil {
		return parseDevKey(path, data)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("auth: dev key: %w", err)
	}

	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("auth: dev key: generate: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("auth: dev key: encode: %w", err)
	}
	created, err := createFileOnce(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		return nil, fmt.Errorf("auth: dev key: %w", err)
	}
	if !created {
		// Another process (server vs. `kira token`) won the race to create
		// it; use its key so both sides agree.
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("auth: dev key: %w", err)
		}
		return parseDevKey(path, data)
	}
	return newDevKey(priv)
}

// createFileOnce writes data to path only if path does not exist yet, never
// exposing a partly written file: it writes a private temp file and
// hard-links it into place, which fails if someone else got there first.
// It reports whether this call created the file.
func createFileOnce(path string, data []byte) (created bool, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".jwt-dev-key-*.tmp") // mode 0600
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	err = os.Link(tmp.Name(), path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrExist):
		return false, nil
	}
	// Some filesystems lack hard links; a rename is still atomic, only the
	// (unlikely) simultaneous first start of two processes is unprotected.
	if err := os.Rename(tmp.Name(), path); err != nil {
		return false, err
	}
	return true, nil
}

// parseDevKey decodes a PEM P-256 private key, PKCS#8 or SEC 1 (the latter so
// a key made with `openssl ecparam` can be dropped in).
func parseDevKey(path string, data []byte) (*DevKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("auth: dev key %s: no PEM block", path)
	}
	var priv *ecdsa.PrivateKey
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("auth: dev key %s: %w", path, err)
		}
		ec, ok := k.(*ecdsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("auth: dev key %s: %T is not an ECDSA key", path, k)
		}
		priv = ec
	case "EC PRIVATE KEY":
		k, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("auth: dev key %s: %w", path, err)
		}
		priv = k
	default:
		return nil, fmt.Errorf("auth: dev key %s: unexpected PEM type %q", path, block.Type)
	}
	if priv.Curve != elliptic.P256() {
		return nil, fmt.Errorf("auth: dev key %s: curve %s, want P-256", path, priv.Curve.Params().Name)
	}
	return newDevKey(priv)
}

// ecJWK is a public EC key in JWK form, as published in the dev JWKS.
type ecJWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// newDevKey derives the kid and the published JWKS once, since both are
// fixed for the key's lifetime.
func newDevKey(priv *ecdsa.PrivateKey) (*DevKey, error) {
	point, err := priv.PublicKey.Bytes() // 0x04 || X || Y, each 32 bytes
	if err != nil {
		return nil, fmt.Errorf("auth: dev key: %w", err)
	}
	b64 := base64.RawURLEncoding
	x, y := b64.EncodeToString(point[1:33]), b64.EncodeToString(point[33:])

	// RFC 7638 thumbprint: SHA-256 over the required members in
	// lexicographic order with no whitespace. It makes the kid stable and
	// derived from the key, so a replaced key file gets a new kid.
	canonical := fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":%q,"y":%q}`, x, y)
	sum := sha256.Sum256([]byte(canonical))
	kid := b64.EncodeToString(sum[:])

	set := struct {
		Keys []ecJWK `json:"keys"`
	}{Keys: []ecJWK{{Kty: "EC", Crv: "P-256", X: x, Y: y, Kid: kid, Alg: "ES256", Use: "sig"}}}
	jwks, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("auth: dev key: %w", err)
	}
	return &DevKey{priv: priv, kid: kid, jwks: jwks}, nil
}

// KeyID returns the key's RFC 7638 thumbprint, used as the JWT kid.
func (k *DevKey) KeyID() string { return k.kid }

// JWKSJSON returns the public key as a JWK set:
// {"keys":[{"kty":"EC","crv":"P-256","x":…,"y":…,"kid":…,"alg":"ES256","use":"sig"}]}.
// The result is a copy the caller may modify.
func (k *DevKey) JWKSJSON() []byte { return bytes.Clone(k.jwks) }
