package httpapi

import (
	"bytes"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/kira-art/kira/internal/apperr"
)

// playgroundHandlers serves the playground page (web/playground, built
// and embedded): index.html at /playground and /playground/, its hashed
// assets under /playground/assets/. On when Config.Playground holds.
type playgroundHandlers struct {
	s     *Server
	files fs.FS
}

var errNoAsset = apperr.New(apperr.NotFound, "Not found")

func (h playgroundHandlers) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache") // the asset names inside change with every build
	h.serve(w, r, "index.html")
}

func (h playgroundHandlers) asset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("path")
	if name == "" {
		h.index(w, r)
		return
	}
	if strings.HasPrefix(name, "assets/") {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable") // content-hashed names
	}
	h.serve(w, r, name)
}

func (h playgroundHandlers) serve(w http.ResponseWriter, r *http.Request, name string) {
	// The files are embedded: reading fails only for a missing name, a
	// directory or an invalid path, all of which are "no such asset".
	b, err := fs.ReadFile(h.files, name)
	if err != nil {
		w.Header().Del("Cache-Control")
		h.s.writeError(w, r, errNoAsset)
		return
	}
	http.ServeContent(w, r, path.Base(name), time.Time{}, bytes.NewReader(b))
}
