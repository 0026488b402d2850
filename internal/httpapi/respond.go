package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/httpapi/middleware"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/textcheck"
)

// statusOf is the one mapping from error kinds to HTTP status codes.
var statusOf = map[apperr.Kind]int{
	apperr.Internal:     http.StatusInternalServerError,
	apperr.Invalid:      http.StatusBadRequest,
	apperr.Unauthorized: http.StatusUnauthorized,
	apperr.Forbidden:    http.StatusForbidden,
	apperr.NotFound:     http.StatusNotFound,
	apperr.Conflict:     http.StatusConflict,
	apperr.TooLarge:     http.StatusRequestEntityTooLarge,
	apperr.Unsupported:  http.StatusUnsupportedMediaType,
	apperr.Unavailable:  http.StatusServiceUnavailable,
	apperr.Blocked:      http.StatusUnavailableForLegalReasons,
}

// classify turns any error into a client-facing *apperr.Error: store
// sentinels become 404/409, anything unknown becomes an internal error.
func classify(err error) *apperr.Error {
	if e, ok := apperr.As(err); ok {
		return e
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &apperr.Error{Kind: apperr.NotFound, Message: "Not found", Err: err}
	case errors.Is(err, store.ErrConflict):
		return &apperr.Error{Kind: apperr.Conflict, Message: "Conflict", Err: err}
	}
	return apperr.Wrap(err, "unexpected")
}

// writeError answers with {"message", "error"?}. Internal errors are
// logged with the request id and never described to the client.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := classify(err)
	status := statusOf[e.Kind]
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "err", err,
			"request_id", middleware.RequestIDFrom(r.Context()), "path", r.URL.Path)
	}
	body := map[string]string{"message": e.Message}
	if status == http.StatusInternalServerError {
		body["message"] = "Internal Server Error"
	}
	if e.Code != "" {
		body["error"] = e.Code
	}
	writeJSON(w, status, body)
}

// writeJSON writes v as the JSON body with a status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		slog.Debug("write response", "err", err)
	}
}

var okBody = map[string]string{"message": "ok"}

// decodeJSON reads a JSON object body into v. Unknown fields are ignored
// (API.md §0); wrong types are a 400 naming the field; bodies past the
// limit are a 413; a string holding NUL, invalid UTF-8 or an unpaired
// surrogate escape is a 400 naming the field (see textcheck: the raw body
// is checked, because decoding repairs invalid UTF-8 in Go strings but keeps
// it in json.RawMessage fields, and Postgres refuses both where SQLite
// stores them). The body is read whole first; BodyLimit bounds it.
func decodeJSON(r *http.Request, v any) error {
	if r.Body == nil {
		return apperr.Invalidf("request body is required")
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return jsonBodyError(err)
	}
	if p := textcheck.JSON(raw); p != nil {
		return apperr.Invalidf("%s", p.Message("body"))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	err = dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			return apperr.Invalidf("request body must be a single JSON object")
		}
		return nil
	}
	return jsonBodyError(err)
}

// jsonBodyError maps a body read or decode error to a client error.
func jsonBodyError(err error) error {
	var maxErr *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &maxErr):
		return apperr.New(apperr.TooLarge, "Request body too large")
	case errors.Is(err, io.EOF):
		return apperr.Invalidf("request body is required")
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return apperr.Invalidf("request body must be a JSON object")
		}
		return apperr.Invalidf("%s: must be %s", typeErr.Field, jsonTypeName(typeErr.Type.Kind().String()))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Invalidf("malformed JSON body")
	}
	return apperr.Invalidf("invalid JSON body: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	}
	if strings.HasPrefix(kind, "int") || strings.HasPrefix(kind, "uint") || strings.HasPrefix(kind, "float") {
		return "a number"
	}
	return fmt.Sprintf("of type %s", kind)
}

// apiTime formats times as the API wants them: RFC 3339 UTC, milliseconds.
func apiTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// optTime formats a nullable time.
func optTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := apiTime(*t)
	return &s
}

var errRouteNotFound = apperr.NotFoundf("Not found")
