package httpapi

import (
	"net/http"

	"github.com/kira-art/kira/internal/blob"
)

// routesFiles registers the files route group: uploads, images, and the
// signed file URLs of the local blob backend.
func (s *Server) routesFiles(mux *http.ServeMux) {
	if served, ok := s.Blobs.(blob.Served); ok { // presigning backends serve their own URLs
		mux.HandleFunc("GET /files/{key...}", fileHandlers{s, served}.serve)
	}
	mux.HandleFunc("POST /upload", s.requireAuth(uploadHandlers{s}.upload))

	img := imageHandlers{s}
	mux.HandleFunc("POST /image", s.requireAuth(img.ensure))
	mux.HandleFunc("GET /image/{imageId}", img.get)
	mux.HandleFunc("DELETE /image/{imageId}", s.requireAuth(img.delete))
	mux.HandleFunc("POST /image/check/{imageId}", s.optionalAuth(img.check))
	mux.HandleFunc("GET /images/{imageIds}", img.list)
}
