package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// ErrNotFound is returned for keys that hold no object.
var ErrNotFound = errors.New("blob not found")

// ErrBadKey is returned for keys outside the allowed alphabet; keys are
// built by the server from ids it made, never from raw client input.
var ErrBadKey = errors.New("invalid blob key")

// Store keeps file bytes. The local directory backend is the default; an
// S3-compatible backend implements the same interface with presigned URLs.
type Store interface {
	// Put writes the object at key (replacing it) and returns its size.
	Put(ctx context.Context, key string, r io.Reader, contentType string) (int64, error)
	// Open reads an object; ErrNotFound when absent.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes objects; missing keys are not an error.
	Delete(ctx context.Context, keys ...string) error
	// Copy duplicates an object under another key.
	Copy(ctx context.Context, src, dst string) error
	// DeletePrefix removes every object under prefix, which must be one
	// owner's area, "<area>/<ownerId>/" (ErrBadKey otherwise); an empty
	// prefix is not an error. An account's hard delete uses it.
	DeletePrefix(ctx context.Context, prefix string) error
	// URL is a URL a client can fetch the object from, valid ≥ 1 day.
	URL(key string) string
}

var keyPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$`)

// ValidKey reports whether key is safe: relative, slash-separated segments
// of [A-Za-z0-9._-] that never start with a dot (so no "..", no hidden files).
func ValidKey(key string) bool {
	return len(key) <= 512 && keyPattern.MatchString(key) && !strings.Contains(key, "..")
}

// Local stores objects in a directory and signs URLs served by this binary.
type Local struct {
	root   string
	signer *Signer
}

// NewLocal stores under root (created when missing).
func NewLocal(root string, signer *Signer) (*Local, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("blob root: %w", err)
	}
	return &Local{root: root, signer: signer}, nil
}

func (l *Local) path(key string) (string, error) {
	if !ValidKey(key) {
		return "", ErrBadKey
	}
	return filepath.Join(l.root, filepath.FromSlash(key)), nil
}

// Put writes to a temporary file and renames it, so readers never see a
// half-written object.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, _ string) (int64, error) {
	p, err := l.path(key)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // gone after rename
	n, err := io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", key, err)
	}
	return n, os.Rename(tmp.Name(), p)
}

// Open reads an object.
func (l *Local) Open(_ context.Context, key string) (io.ReadCloser, error) {
	p, err := l.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

// File opens an object as *os.File (for http.ServeContent: ranges, size).
func (l *Local) File(key string) (*os.File, error) {
	p, err := l.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

// Delete removes objects, ignoring missing ones.
func (l *Local) Delete(_ context.Context, keys ...string) error {
	var errs []error
	for _, k := range keys {
		p, err := l.path(k)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Copy duplicates an object.
func (l *Local) Copy(ctx context.Context, src, dst string) error {
	if !ValidKey(dst) {
		return ErrBadKey
	}
	r, err := l.Open(ctx, src)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = l.Put(ctx, dst, r, "")
	return err
}

// URL signs a URL served by this binary under /files/.
func (l *Local) URL(key string) string { return l.signer.URL(key) }

// Signer exposes the URL signer (the file route verifies with it).
func (l *Local) Signer() *Signer { return l.signer }
