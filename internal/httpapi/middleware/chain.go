package middleware

import "net/http"

// Chain wraps h in mws so that the first listed middleware is the outermost,
// i.e. the first to see a request, which is the order people read a list in.
func Chain(h http.Handler, mws ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}
