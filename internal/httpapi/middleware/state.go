package middleware

import (
	"context"
	"sync"
)

// reqState is per-request data that inner layers fill in for outer ones.
// Context values only flow inwards: the auth layer and the mux see derived
// requests whose context the access log never gets back, so they write into
// this shared, pointer-held struct instead.
type reqState struct {
	mu      sync.Mutex // handlers may spawn goroutines (e.g. SSE) that touch it
	userID  string
	pattern string
}

type stateKey struct{}

func withState(ctx context.Context) (context.Context, *reqState) {
	s := &reqState{}
	return context.WithValue(ctx, stateKey{}, s), s
}

func stateFrom(ctx context.Context) *reqState {
	s, _ := ctx.Value(stateKey{}).(*reqState)
	return s
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

// setPattern records the ServeMux route pattern for the access log; only the
// innermost layer can see it (see Metrics.Middleware).
func setPattern(ctx context.Context, pattern string) {
	if s := stateFrom(ctx); s != nil {
		s.mu.Lock()
		s.pattern = pattern
		s.mu.Unlock()
	}
}

func patternFrom(ctx context.Context) string {
	s := stateFrom(ctx)
	if s == nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pattern
}
