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
// cause at error level, and one error per failure is enough. AccessLog also
// installs the per-request holder that SetUserID writes into, so it must run
// outside the auth layer.
func AccessLog(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ctx, _ := withState(r.Context())
			r = r.WithContext(ctx)
			sw := newStatusWriter(w)
			completed := false
			// Deferred so a request whose handler panics past Recover (or
			// aborts with http.ErrAbortHandler) is still logged; the panic
			// itself keeps unwinding.
			defer func() {
				logRequest(logger, r, sw, start, completed)
			}()
			next.ServeHTTP(sw, r)
			completed = true
		})
	}
}

func logRequest(logger *slog.Logger, r *http.Request, sw *statusWriter, start time.Time, completed bool) {
	ctx := r.Context()
	// A handler that panics before writing leaves the client with a 500 or
	// a dropped connection, never the implicit 200.
	status := sw.statusOr(http.StatusOK)
	if !completed && !sw.written() {
		status = http.StatusInternalServerError
	}
	route := patternFrom(ctx)
	if route == "" {
		route = r.Pattern // set only when AccessLog wraps the mux directly
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Int64("bytes", sw.bytes),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		slog.String("request_id", RequestIDFrom(ctx)),
		slog.String("user_id", UserIDFrom(ctx)),
		slog.String("remote", r.RemoteAddr),
	}
	if !completed {
		attrs = append(attrs, slog.Bool("aborted", true))
	}
	logger.LogAttrs(ctx, level, "http request", attrs...)
}
