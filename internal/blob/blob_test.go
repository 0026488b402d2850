package blob_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/kira-art/kira/internal/blob"
)

func TestPutOpenCopyDelete(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, l blob.Store) {
		ctx := context.Background()
		if n, err := l.Put(ctx, "u/1/a.png", strings.NewReader("hello"), "image/png"); err != nil || n != 5 {
			t.Fatalf("put: %d %v", n, err)
		}
		for _, dst := range []string{"public/a.png", "p/1/f/a.png"} {
			if err := l.Copy(ctx, "u/1/a.png", dst); err != nil {
				t.Fatal(err)
			}
			if b := read(t, l, dst); b != "hello" {
				t.Fatalf("copy read %q", b)
			}
		}
		if n, err := l.Put(ctx, "u/1/a.png", strings.NewReader("replaced"), "image/png"); err != nil || n != 8 {
			t.Fatalf("replace: %d %v", n, err)
		}
		if b := read(t, l, "u/1/a.png"); b != "replaced" {
			t.Fatalf("replaced read %q", b)
		}
		if err := l.Delete(ctx, "u/1/a.png", "u/1/missing.png", "p/1/f/a.png"); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"u/1/a.png", "p/1/f/a.png"} {
			if _, err := l.Open(ctx, k); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("deleted object %s: %v", k, err)
			}
		}
		if err := l.Copy(ctx, "u/1/missing.png", "u/1/b.png"); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("copy of a missing object: %v", err)
		}
	})
}

func read(t *testing.T, s blob.Store, key string) string {
	t.Helper()
	r, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestKeysCannotEscapeRoot(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, l blob.Store) {
		ctx := context.Background()
		for _, k := range []string{"../etc/passwd", "/etc/passwd", "a/../../b", ".hidden", "a//b", "a/./b", "", "a\\b", "a/b/", "%2e%2e/x"} {
			if _, err := l.Put(ctx, k, strings.NewReader("x"), ""); !errors.Is(err, blob.ErrBadKey) {
				t.Errorf("key %q accepted (err=%v)", k, err)
			}
			if _, err := l.Open(ctx, k); !errors.Is(err, blob.ErrBadKey) {
				t.Errorf("open %q: %v", k, err)
			}
			if err := l.Copy(ctx, "u/1/a", k); !errors.Is(err, blob.ErrBadKey) {
				t.Errorf("copy to %q: %v", k, err)
			}
		}
	})
}
