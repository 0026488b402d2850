package middleware

import "net/http"

// BodyLimit caps request bodies at n bytes with http.MaxBytesReader, so a
// handler reading past the cap gets an *http.MaxBytesError. Requests whose
// path exactly matches one of exempt (e.g. "/upload", which enforces its own
// per-kind limits) are not limited. A declared Content-Length above n is
// answered 413 {"message":"Request body too large"} at once, without
// reading the body or calling the handler.
//
// n must be positive; a zero limit would reject every body and is a
// configuration mistake better caught at startup.
func BodyLimit(n int64, exempt ...string) func(http.Handler) http.Handler {
	if n <= 0 {
		panic("middleware: BodyLimit needs a positive limit")
	}
	skip := make(map[string]bool, len(exempt))
	for _, p := range exempt {
		skip[p] = true
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if skip[r.URL.Path] {
				next.ServeHTTP(w, r)
				return
			}
			if r.ContentLength > n {
				writeMessage(w, http.StatusRequestEntityTooLarge, "Request body too large")
				return
			}
			if r.Body != nil { // only hand-built requests lack one; servers always set it
				r.Body = http.MaxBytesReader(w, r.Body, n)
			}
			next.ServeHTTP(w, r)
		})
	}
}
