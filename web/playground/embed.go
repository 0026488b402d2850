// Package playground holds the built playground page (dist/, made by
// `npm run build` from src/ and committed, so the binary serves it with
// no Node installed; .ci/run rebuilds it and fails on a difference).
package playground

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS is the built page: index.html and assets/.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a constant: only a broken build gets here
	}
	return sub
}
