package media

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// badRequest is ErrBadRequest under a kind's name: messages say which kind
// of request was bad while errors.Is(err, ErrBadRequest) still holds.
type badRequest struct{ kind string }

func (e badRequest) Error() string        { return "bad " + e.kind + " request" }
func (e badRequest) Is(target error) bool { return target == ErrBadRequest }

// ErrBadVideoRequest and ErrBadMusicRequest wrap arguments a video or music
// provider cannot honour; both match errors.Is(err, ErrBadRequest).
var (
	ErrBadVideoRequest error = badRequest{"video"}
	ErrBadMusicRequest error = badRequest{"music"}
)

// ProviderError is a failure of a remote generation API. Retryable tells
// the caller whether another attempt may succeed (network errors,
// timeouts, HTTP 5xx and 429, the provider saying it is busy) or not
// (other 4xx, a refused prompt, a failed job, a broken result file).
// A retry submits a new job, which the provider may bill again.
type ProviderError struct {
	Provider  string // "seedance", "suno"
	Op        string // "submit", "poll", "job", "download"
	Status    int    // HTTP status, 0 when there was none
	Code      string // the provider's error code or job status, when given
	Message   string // the provider's message; never keys or signed URLs
	Retryable bool
	Err       error // the cause, when there is one (ErrBadRequest for 400s)
}

func (e *ProviderError) Error() string {
	msg := "media: " + e.Provider + " " + e.Op
	if e.Status != 0 {
		msg += fmt.Sprintf(": HTTP %d", e.Status)
	}
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil && e.Message == "" {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *ProviderError) Unwrap() error { return e.Err }

// Retryable reports whether a generation that failed with err is worth
// another attempt: a retryable ProviderError, or a deadline that ran out
// (the provider was slow). Cancellation, bad requests and permanent
// provider failures are not.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, ErrBadRequest) {
		return false
	}
	if pe := (*ProviderError)(nil); errors.As(err, &pe) {
		return pe.Retryable
	}
	return errors.Is(err, context.DeadlineExceeded)
}

// retryableStatus is true for HTTP statuses that say "later": 408, 425,
// 429 and every 5xx except 501 (not implemented) and 505.
func retryableStatus(code int) bool {
	switch {
	case code == http.StatusRequestTimeout, code == http.StatusTooEarly, code == http.StatusTooManyRequests:
		return true
	case code == http.StatusNotImplemented, code == http.StatusHTTPVersionNotSupported:
		return false
	}
	return code >= 500
}
