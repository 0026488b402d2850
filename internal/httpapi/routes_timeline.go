package httpapi

import "net/http"

// routesTimeline registers the timeline route group.
func (s *Server) routesTimeline(mux *http.ServeMux) {}
