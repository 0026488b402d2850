package middleware

import (
	"context"
	"errors"
	"net/http"
	"syscall"
)

// StatusClientClosedRequest (nginx's 499) is the status recorded for a
// request whose client went away before it was answered. It is never seen
// by a client; it keeps disconnects out of the 5xx counts and error logs.
const StatusClientClosedRequest = 499

// ClientGone reports whether err is the consequence of the client going
// away: the request's context is cancelled and err is that cancellation or
// a failed write to the closed connection. A handler error for which it is
// true is not a server fault and must not be logged as one.
//
// Both conditions are required: a context.Canceled or a connection reset
// from a dependency (a database, a provider) while the client is still
// there is a real failure.
func ClientGone(r *http.Request, err error) bool {
	if err == nil || r.Context().Err() == nil {
		return false
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNRESET)
}

// finalStatus is the status a request is logged and counted with. A handler
// that panicked before writing left the client with a 500 or a dropped
// connection, never the implicit 200. A server error while the client is
// gone (context cancelled, or writing to it failed) is the client's doing
// and becomes 499.
func finalStatus(r *http.Request, sw *statusWriter, completed bool) int {
	status := sw.statusOr(http.StatusOK)
	if !completed && !sw.written() {
		status = http.StatusInternalServerError
	}
	if status >= 500 && (sw.writeFailed || r.Context().Err() != nil) {
		status = StatusClientClosedRequest
	}
	return status
}
