// Package apperr is the one error type the API layer understands. Domain and
// handler code return *Error with a Kind; httpapi maps the Kind to a status
// code in exactly one place.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error for the client.
type Kind int

// Kinds, each with exactly one HTTP status (see httpapi.statusOf).
const (
	Internal Kind = iota
	Invalid
	Unauthorized
	Forbidden
	NotFound
	Conflict
	TooLarge
	Unsupported
	Unavailable
	Blocked // CSAM hit, 451
	// Undecodable: the request is well-formed but the media it names cannot
	// be processed (a stored video ffmpeg cannot decode), 422.
	Undecodable
	RateLimited // too many requests, 429 (with Retry-After)
)

// Error is a client-facing error: Message is shown to the client, Code is
// the optional machine-readable "error" field, Err is logged but never shown.
type Error struct {
	Kind    Kind
	Message string
	Code    string
	Err     error
	// RetryAfter, when positive, tells the client when to try again (the
	// Retry-After header of a 429 or 503), rounded up to whole seconds.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// WithCode returns a copy carrying a machine-readable code.
func (e *Error) WithCode(code string) *Error {
	c := *e
	c.Code = code
	return &c
}

// WithRetryAfter returns a copy of e that asks the client to retry after d.
func (e *Error) WithRetryAfter(d time.Duration) *Error {
	c := *e
	c.RetryAfter = d
	return &c
}

// New makes an error of a kind with a client message.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Invalidf is a 400 naming what is wrong.
func Invalidf(format string, args ...any) *Error { return New(Invalid, format, args...) }

// NotFoundf is a 404.
func NotFoundf(format string, args ...any) *Error { return New(NotFound, format, args...) }

// Wrap marks an unexpected error as internal; its text is only logged. An
// Unavailable error in the chain (file storage down) is returned as it is:
// an outage stays a 503 whatever code path it came through.
func Wrap(err error, context string) *Error {
	if e, ok := As(err); ok && e.Kind == Unavailable {
		return e
	}
	return &Error{Kind: Internal, Message: "Internal Server Error", Err: fmt.Errorf("%s: %w", context, err)}
}

// As extracts an *Error from a chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
