package middleware

import (
	"log/slog"
	"net/http"
	"time"
)

// AccessLog logs one line per request: method, path (without the query
// string, which may carry secrets such as passwords or tokens), route
// pattern, status, bytes, duration_ms, request_id, user_id and remote.
//
// Status >= 500 is logged at warn, not error: the error mapper logs the
// cause at error level, and one error per failure is enough. A request whose
// client went away (status 499, see finalStatus) is logged at debug: it is
// routine, not a fault. AccessLog also installs the per-request state that
// SetUserID writes into and the one status-recording writer of the chain,
// so it must run outside the auth layer, Recover and Metrics.
func AccessLog(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r, s := withState(r)
			s.sw = statusWriter{ResponseWriter: w}
			completed := false
			// Deferred so a request whose handler panics past Recover (or
			// aborts with http.ErrAbortHandler) is still logged; the panic
			// itself keeps unwinding.
			defer func() {
				logRequest(logger, r, s, completed)
			}()
			next.ServeHTTP(&s.sw, r)
			completed = true
		})
	}
}

func logRequest(logger *slog.Logger, r *http.Request, s *reqState, completed bool) {
	status := finalStatus(r, &s.sw, completed)
	level := slog.LevelInfo
	switch {
	case status == StatusClientClosedRequest:
		level = slog.LevelDebug
	case status >= 500:
		level = slog.LevelWarn
	}
	// The handler is called directly, with no source position: Logger
	// would take a stack trace (runtime.Callers) per line for a source
	// that is always this function.
	h := logger.Handler()
	if !h.Enabled(s, level) {
		return
	}
	s.mu.Lock()
	route, userID := s.pattern, s.userID
	s.mu.Unlock()
	if route == "" {
		route = r.Pattern // set only when AccessLog wraps the mux directly
	}
	attrs := [...]slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Int64("bytes", s.sw.bytes),
		slog.Float64("duration_ms", float64(time.Since(s.start).Microseconds())/1000),
		slog.String("request_id", s.id),
		slog.String("user_id", userID),
		slog.String("remote", r.RemoteAddr),
		slog.Bool("aborted", true),
	}
	n := len(attrs)
	if completed {
		n-- // "aborted" only appears when true
	}
	rec := slog.NewRecord(time.Now(), level, "http request", 0)
	rec.AddAttrs(attrs[:n]...)
	_ = h.Handle(s, rec) // a handler that cannot write has nowhere to report it either
}
