package blob

import (
	"context"
	"os"
	"path/filepath"
	"strings"
)

// ValidPrefix reports whether prefix names exactly one owner's objects of
// one area: "<area>/<ownerId>/" with a known area and an owner that is one
// safe key segment. Anything wider ("u/", "", "u/../") or narrower is
// refused, so a bad id can never make DeletePrefix remove more than one
// user's objects.
func ValidPrefix(prefix string) bool {
	rest, ok := strings.CutSuffix(prefix, "/")
	if !ok {
		return false
	}
	area, owner, ok := strings.Cut(rest, "/")
	if !ok || (area != AreaUser && area != AreaPublic) {
		return false
	}
	return !strings.Contains(owner, "/") && ValidKey(owner)
}

// DeletePrefix removes the owner's directory with everything under it. A
// missing directory is not an error (the delete is idempotent). RemoveAll
// does not follow symbolic links below the directory, so nothing outside
// the root can go.
func (l *Local) DeletePrefix(_ context.Context, prefix string) error {
	if !ValidPrefix(prefix) {
		return ErrBadKey
	}
	return os.RemoveAll(filepath.Join(l.root, filepath.FromSlash(strings.TrimSuffix(prefix, "/"))))
}
