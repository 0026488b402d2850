package httpapi

import "github.com/kira-art/kira/internal/store"

// ImageJSON renders a file as the API's Image object.
func (s *Server) ImageJSON(f store.File) any { return s.imageOf(f, nil) }

// TaskJSON renders a media task as the API's Video or Audio object.
func (s *Server) TaskJSON(t store.MediaTask) any { return s.mediaTaskView(t) }
