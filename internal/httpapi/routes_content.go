package httpapi

import "net/http"

// routesContent registers the content route group.
func (s *Server) routesContent(mux *http.ServeMux) {}
