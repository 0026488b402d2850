package blob

import (
	"os"
	"strings"
)

// Key layout. Every object the server writes lives at
//
//	<area>/<ownerId>/<fileId>/<name>     e.g. u/6f1c…/insert_9a0b…/thumb.jpg
//
// built only from ids the server made or verified (the token's user id, a
// file id it generated) and a fixed name, never from client text. One
// directory per file keeps an original and its derivatives together, and a
// fixed depth lets the API contract describe /files/ URLs.
const (
	AreaUser   = "u" // a user's files and their derivatives
	AreaPublic = "p" // published copies
)

// FileKey is the key of object name (e.g. "original.png", "thumb.jpg") of a
// user's file. It returns "" — which every backend refuses with ErrBadKey —
// when an argument is not a single safe path segment.
func FileKey(userID, fileID, name string) string {
	return areaKey(AreaUser, userID, fileID, name)
}

// PublicFileKey is FileKey for a published copy.
func PublicFileKey(userID, fileID, name string) string {
	return areaKey(AreaPublic, userID, fileID, name)
}

func areaKey(area, owner, fileID, name string) string {
	for _, seg := range []string{owner, fileID, name} {
		if strings.Contains(seg, "/") || !ValidKey(seg) {
			return ""
		}
	}
	return area + "/" + owner + "/" + fileID + "/" + name
}

// Served is implemented by backends whose URLs point at this binary's
// GET /files/ route (the local backend); presigning backends (S3) are not
// served here.
type Served interface {
	// File opens an object for http.ServeContent; ErrNotFound when absent.
	File(key string) (*os.File, error)
	// Signer verifies the URLs the backend made.
	Signer() *Signer
}

var _ Served = (*Local)(nil)
