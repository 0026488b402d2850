package blob

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLocalDeletePrefix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := t.TempDir()
	l, err := NewLocal(filepath.Join(root, "blobs"), NewSigner("http://x", []byte("k")))
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(root, "outside.txt")
	if err := os.WriteFile(outside, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	keys := []string{"u/alice/f1/original.png", "u/alice/f2/thumb.jpg", "p/alice/f1/x.png", "u/alicia/f1/original.png", "u/bob/f1/original.png"}
	for _, k := range keys {
		if _, err := l.Put(ctx, k, strings.NewReader("x"), ""); err != nil {
			t.Fatal(err)
		}
	}
	// A link inside the user's directory to a file outside the root.
	if err := os.Symlink(outside, filepath.Join(root, "blobs", "u", "alice", "link")); err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent
		if err := l.DeletePrefix(ctx, "u/alice/"); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range keys {
		_, err := l.Open(ctx, k)
		gone := strings.HasPrefix(k, "u/alice/")
		if gone != errors.Is(err, ErrNotFound) {
			t.Fatalf("%s after delete: %v", k, err)
		}
	}
	if b, err := os.ReadFile(outside); err != nil || string(b) != "keep" {
		t.Fatalf("file outside the root: %q %v", b, err)
	}
	if err := l.DeletePrefix(ctx, "u/nobody/"); err != nil {
		t.Fatalf("missing prefix: %v", err)
	}
}

func TestDeletePrefixRefusesWideOrUnsafePrefixes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, err := NewLocal(t.TempDir(), NewSigner("http://x", []byte("k")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Put(ctx, "u/alice/f/o.png", strings.NewReader("x"), ""); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"", "/", "u/", "u", "u/alice", "u//", "u/../", "u/..", "u/./", "u/.hidden/", "x/alice/",
		"u/alice/f/", "/u/alice/", "u/al ice/", "u/alice/../bob/", `u/a\b/`, "..//", "p/../u/alice/"} {
		if err := l.DeletePrefix(ctx, p); !errors.Is(err, ErrBadKey) {
			t.Errorf("DeletePrefix(%q) = %v, want ErrBadKey", p, err)
		}
	}
	if _, err := l.Open(ctx, "u/alice/f/o.png"); err != nil {
		t.Fatalf("object lost to a refused prefix: %v", err)
	}
}

func FuzzValidPrefix(f *testing.F) {
	for _, s := range []string{"u/alice/", "p/6f1c-2b/", "u/../", "u/", "u/a/b/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if !ValidPrefix(p) {
			return
		}
		clean := filepath.ToSlash(filepath.Clean(p)) + "/"
		if clean != p || strings.Count(p, "/") != 2 || strings.Contains(p, "..") || strings.Contains(p, `\`) {
			t.Fatalf("accepted %q", p)
		}
	})
}
