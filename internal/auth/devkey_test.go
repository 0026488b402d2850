package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestDevKeyPersistedAndReloaded(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "nested", "data") // must be created
	k1, err := LoadOrCreateDevKey(dir)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	path := filepath.Join(dir, DevKeyFileName)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("key file: %v", err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", st.Mode().Perm())
	}
	tok, err := k1.Mint(testSub, testEmail, time.Hour, "")
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}

	// A restart (or a separate `kira token` process) loads the same key.
	k2, err := LoadOrCreateDevKey(dir)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if k1.KeyID() != k2.KeyID() || string(k1.JWKSJSON()) != string(k2.JWKSJSON()) {
		t.Fatalf("reloaded key differs: %s vs %s", k1.KeyID(), k2.KeyID())
	}
	c := mustAccept(t, newVerifier(t, Config{DevKey: k2}), tok)
	if c.UserID != testSub {
		t.Errorf("UserID = %q", c.UserID)
	}
	if other := newTestKey(t); other.KeyID() == k1.KeyID() {
		t.Error("two fresh keys share a kid")
	}
}

func TestDevKeyConcurrentCreateAgrees(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const n = 8
	kids := make(chan string, n)
	for range n {
		go func() {
			k, err := LoadOrCreateDevKey(dir)
			if err != nil {
				t.Error(err)
				kids <- ""
				return
			}
			kids <- k.KeyID()
		}()
	}
	first := <-kids
	for range n - 1 {
		if kid := <-kids; kid != first {
			t.Fatalf("processes disagree on the key: %q vs %q", kid, first)
		}
	}
	// No temp files are left behind.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("data dir holds %d entries, want just the key", len(entries))
	}
}

func TestDevKeyJWKS(t *testing.T) {
	t.Parallel()
	k := newTestKey(t)
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(k.JWKSJSON(), &set); err != nil {
		t.Fatalf("JWKSJSON: %v", err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("%d keys, want 1", len(set.Keys))
	}
	jwk := set.Keys[0]
	for name, want := range map[string]string{"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": k.KeyID()} {
		if jwk[name] != want {
			t.Errorf("%s = %v, want %q", name, jwk[name], want)
		}
	}
	if _, ok := jwk["d"]; ok {
		t.Fatal("JWKS leaks the private key")
	}

	// x and y are the public key, and the kid is its RFC 7638 thumbprint.
	x, y := jwk["x"].(string), jwk["y"].(string)
	raw := func(s string) []byte {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(b) != 32 {
			t.Fatalf("coordinate %q: %v (len %d)", s, err, len(b))
		}
		return b
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, raw(x)...), raw(y)...))
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(k.priv.Public()) {
		t.Error("JWKS key is not the dev key's public key")
	}
	sum := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`))
	if want := base64.RawURLEncoding.EncodeToString(sum[:]); k.KeyID() != want {
		t.Errorf("KeyID = %q, want thumbprint %q", k.KeyID(), want)
	}

	// Callers cannot corrupt the key's copy.
	b := k.JWKSJSON()
	b[0] = 'X'
	if k.JWKSJSON()[0] != '{' {
		t.Error("JWKSJSON returned shared memory")
	}
}

func TestDevKeyLoadsSEC1AndRejectsBadFiles(t *testing.T) {
	t.Parallel()
	write := func(t *testing.T, data []byte) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, DevKeyFileName), data, 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	pemOf := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }

	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	k, err := LoadOrCreateDevKey(write(t, pemOf("EC PRIVATE KEY", sec1)))
	if err != nil {
		t.Fatalf("SEC 1 key: %v", err)
	}
	if !k.priv.Equal(ec) {
		t.Error("SEC 1 key not loaded as written")
	}

	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384DER, err := x509.MarshalPKCS8PrivateKey(p384)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaDER, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"not PEM":    []byte("hello"),
		"bad DER":    pemOf("PRIVATE KEY", []byte{1, 2, 3}),
		"wrong type": pemOf("CERTIFICATE", sec1),
		"P-384":      pemOf("PRIVATE KEY", p384DER),
		"RSA":        pemOf("PRIVATE KEY", rsaDER),
	} {
		// A broken key file must stop start-up rather than be replaced,
		// or every token already minted would silently stop working.
		if _, err := LoadOrCreateDevKey(write(t, data)); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
	if _, err := LoadOrCreateDevKey(""); err == nil {
		t.Error("empty data dir: want error")
	}
}

func TestMint(t *testing.T) {
	t.Parallel()
	k := newTestKey(t)
	if _, err := k.Mint("not-a-uuid", "", time.Hour, ""); err == nil {
		t.Error("non-UUID sub: want error")
	}
	if _, err := k.Mint(testSub, "", 0, ""); err == nil {
		t.Error("zero ttl: want error")
	}

	tok, err := k.Mint(testSub, "", time.Minute, "")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	decode := func(s string) map[string]any {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	header, payload := decode(parts[0]), decode(parts[1])
	if header["alg"] != "ES256" || header["kid"] != k.KeyID() {
		t.Errorf("header = %v", header)
	}
	// Same shape as Supabase: aud is a plain string.
	if payload["aud"] != "authenticated" || payload["role"] != "authenticated" || payload["sub"] != testSub {
		t.Errorf("payload = %v", payload)
	}
	for _, absent := range []string{"email", "iss"} {
		if _, ok := payload[absent]; ok {
			t.Errorf("%s present though empty", absent)
		}
	}
	if _, ok := payload["iat"]; !ok {
		t.Error("iat missing")
	}
}
