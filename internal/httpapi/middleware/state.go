package middleware

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// reqState is per-request data shared by the layers of the chain. It is
// also the request's context (it embeds the server's), so that installing
// it costs one allocation instead of a value context plus a holder.
//
// Context values only flow inwards: the auth layer and the mux see derived
// requests whose context the access log never gets back, so inner layers
// write into this shared, pointer-held struct instead.
type reqState struct {
	context.Context
	start time.Time
	id    string
	idVal [1]string // the X-Request-Id header value, kept here to save an allocation
	// sw is the one status-recording writer of the chain, installed by
	// AccessLog and reused by Recover and Metrics; sw.ResponseWriter is nil
	// until AccessLog runs.
	sw statusWriter

	mu      sync.Mutex // handlers may spawn goroutines (e.g. SSE) that touch these
	userID  string
	pattern string
	// reported is set when the error mapper sent the request's failure to
	// Sentry, so CaptureErrors does not report its 5xx a second time.
	reported bool
}

type stateKey struct{}

// Value answers the state itself for stateKey and defers to the server's
// context for everything else, including the cancellation machinery, so
// contexts derived from it propagate cancellation without a goroutine.
func (s *reqState) Value(key any) any {
	if _, ok := key.(stateKey); ok {
		return s
	}
	return s.Context.Value(key)
}

// withState returns r carrying a request state, installing one if the chain
// has not yet. Every layer that needs the state calls it, so each works on
// its own too (as the tests use them).
func withState(r *http.Request) (*http.Request, *reqState) {
	if s := stateFrom(r.Context()); s != nil {
		return r, s
	}
	s := &reqState{Context: r.Context(), start: time.Now()}
	return r.WithContext(s), s
}

func stateFrom(ctx context.Context) *reqState {
	s, _ := ctx.Value(stateKey{}).(*reqState)
	return s
}

// writer returns the chain's shared status writer if AccessLog installed
// one, or wraps w in a new one.
func (s *reqState) writer(w http.ResponseWriter) (*statusWriter, http.ResponseWriter) {
	if s != nil && s.sw.ResponseWriter != nil {
		return &s.sw, w
	}
	sw := newStatusWriter(w)
	return sw, sw
}

// SetUserID records the authenticated user id of the request so that the
// access log, which runs further out in the chain, can print it. It is a
// no-op when AccessLog is not in the chain.
func SetUserID(ctx context.Context, userID string) {
	if s := stateFrom(ctx); s != nil {
		s.mu.Lock()
		s.userID = userID
		s.mu.Unlock()
	}
}

// UserIDFrom returns the user id recorded by SetUserID, or "" if none was
// recorded or AccessLog is not in the chain.
func UserIDFrom(ctx context.Context) string {
	s := stateFrom(ctx)
	if s == nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userID
}
