package httpapi

import "net/http"

// routesFiles registers the files route group.
func (s *Server) routesFiles(mux *http.ServeMux) {}
