package middleware

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// Recover turns a panic into a 500 JSON response {"message":"Internal Server
// Error"} and logs the panic value and stack at error level with the request
// id.
//
// http.ErrAbortHandler is re-panicked untouched: it is the stdlib's way for
// a handler to abort a response on purpose. A panic after the response
// header was sent cannot become a 500 any more; it is logged and then turned
// into http.ErrAbortHandler so the server drops the connection and the
// client sees a broken response instead of a truncated one that looks whole.
func Recover(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sw, inner := stateFrom(r.Context()).writer(w)
			defer func() {
				p := recover()
				if p == nil {
					return
				}
				if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(p)
				}
				// debug.Stack here still holds the panicking frames, because
				// deferred calls run before the stack is unwound.
				logger.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
					slog.String("panic", fmt.Sprint(p)),
					slog.String("stack", string(debug.Stack())),
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.String("request_id", RequestIDFrom(r.Context())),
				)
				if sw.written() {
					panic(http.ErrAbortHandler)
				}
				clearEntityHeaders(w.Header())
				writeMessage(w, http.StatusInternalServerError, "Internal Server Error")
			}()
			next.ServeHTTP(inner, r)
		})
	}
}

// clearEntityHeaders drops headers the handler may have set for the body it
// never finished, since they would be wrong for the error body. Headers set
// by outer middleware (request id, CORS) are kept so the browser can read
// the error.
func clearEntityHeaders(h http.Header) {
	for _, k := range []string{
		"Content-Length", "Content-Encoding", "Content-Range", "Content-Disposition",
		"Content-Language", "ETag", "Last-Modified", "Cache-Control", "Trailer",
	} {
		h.Del(k)
	}
}
