package httpapi

import "net/http"

// routesFeed registers the feed route group.
func (s *Server) routesFeed(mux *http.ServeMux) {}
