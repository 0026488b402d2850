package blob_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kira-art/kira/internal/blob"
)

func TestDeletePrefix(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, l blob.Store) {
		ctx := context.Background()
		keys := []string{"u/alice/f1/original.png", "u/alice/f2/thumb.jpg", "p/alice/f1/x.png", "u/alicia/f1/original.png",
			"u/bob/f1/original.png", "p/bob/f1/x.png"}
		for _, k := range keys {
			if _, err := l.Put(ctx, k, strings.NewReader("x"), ""); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 { // idempotent
			for _, p := range []string{"u/alice/", "p/alice/"} {
				if err := l.DeletePrefix(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, k := range keys {
			_, err := l.Open(ctx, k)
			gone := strings.Contains(k, "/alice/")
			if gone != errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("%s after delete: %v", k, err)
			}
		}
		if err := l.DeletePrefix(ctx, "u/nobody/"); err != nil {
			t.Fatalf("missing prefix: %v", err)
		}
	})
}

// TestDeletePrefixManyObjects deletes more objects than one ListObjectsV2
// page and one DeleteObjects batch hold (1000).
func TestDeletePrefixManyObjects(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, l blob.Store) {
		ctx := context.Background()
		for i := range 1005 {
			if _, err := l.Put(ctx, fmt.Sprintf("u/carol/f%d/o.png", i), strings.NewReader("x"), ""); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.DeletePrefix(ctx, "u/carol/"); err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, 999, 1000, 1004} {
			if _, err := l.Open(ctx, fmt.Sprintf("u/carol/f%d/o.png", i)); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("object %d left: %v", i, err)
			}
		}
	})
}

// TestLocalDeletePrefixKeepsLinkTargets is local only: a symbolic link in
// a user's directory must not take its target along.
func TestLocalDeletePrefixKeepsLinkTargets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := t.TempDir()
	l, err := blob.NewLocal(filepath.Join(root, "blobs"), blob.NewSigner("http://x", []byte("k")))
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(root, "outside.txt")
	if err := os.WriteFile(outside, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Put(ctx, "u/alice/f1/original.png", strings.NewReader("x"), ""); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "blobs", "u", "alice", "link")); err != nil {
		t.Fatal(err)
	}
	if err := l.DeletePrefix(ctx, "u/alice/"); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(outside); err != nil || string(b) != "keep" {
		t.Fatalf("file outside the root: %q %v", b, err)
	}
}

func TestDeletePrefixRefusesWideOrUnsafePrefixes(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, l blob.Store) {
		ctx := context.Background()
		if _, err := l.Put(ctx, "u/alice/f/o.png", strings.NewReader("x"), ""); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"", "/", "u/", "u", "u/alice", "u//", "u/../", "u/..", "u/./", "u/.hidden/", "x/alice/",
			"u/alice/f/", "/u/alice/", "u/al ice/", "u/alice/../bob/", `u/a\b/`, "..//", "p/../u/alice/"} {
			if err := l.DeletePrefix(ctx, p); !errors.Is(err, blob.ErrBadKey) {
				t.Errorf("DeletePrefix(%q) = %v, want ErrBadKey", p, err)
			}
		}
		if _, err := l.Open(ctx, "u/alice/f/o.png"); err != nil {
			t.Fatalf("object lost to a refused prefix: %v", err)
		}
	})
}

func FuzzValidPrefix(f *testing.F) {
	for _, s := range []string{"u/alice/", "p/6f1c-2b/", "u/../", "u/", "u/a/b/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if !blob.ValidPrefix(p) {
			return
		}
		clean := filepath.ToSlash(filepath.Clean(p)) + "/"
		if clean != p || strings.Count(p, "/") != 2 || strings.Contains(p, "..") || strings.Contains(p, `\`) {
			t.Fatalf("accepted %q", p)
		}
	})
}
