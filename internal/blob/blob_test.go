package blob

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestLocalPutOpenCopyDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, err := NewLocal(t.TempDir(), NewSigner("http://x", []byte("k")))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := l.Put(ctx, "u/1/a.png", strings.NewReader("hello"), "image/png"); err != nil || n != 5 {
		t.Fatalf("put: %d %v", n, err)
	}
	if err := l.Copy(ctx, "u/1/a.png", "public/a.png"); err != nil {
		t.Fatal(err)
	}
	r, err := l.Open(ctx, "public/a.png")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "hello" {
		t.Fatalf("copy read %q", b)
	}
	if err := l.Delete(ctx, "u/1/a.png", "u/1/missing.png"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Open(ctx, "u/1/a.png"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted object: %v", err)
	}
}

func TestKeysCannotEscapeRoot(t *testing.T) {
	t.Parallel()
	l, _ := NewLocal(t.TempDir(), NewSigner("http://x", []byte("k")))
	for _, k := range []string{"../etc/passwd", "/etc/passwd", "a/../../b", ".hidden", "a//b", "a/./b", "", "a\\b", "a/b/", "%2e%2e/x"} {
		if _, err := l.Put(context.Background(), k, strings.NewReader("x"), ""); !errors.Is(err, ErrBadKey) {
			t.Errorf("key %q accepted (err=%v)", k, err)
		}
	}
}
