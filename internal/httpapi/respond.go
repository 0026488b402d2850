package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/httpapi/middleware"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/textcheck"
	"github.com/kira-art/kira/internal/view"
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
	apperr.Undecodable:  http.StatusUnprocessableEntity,
	apperr.RateLimited:  http.StatusTooManyRequests,
}

// errDatabaseDown is the answer while the database cannot be reached.
var errDatabaseDown = apperr.New(apperr.Unavailable, "The service is temporarily unavailable; try again shortly").
	WithCode("unavailable").WithRetryAfter(2 * time.Second)

// classify turns any error into a client-facing *apperr.Error: store
// sentinels become 404/409, a lost database connection 503 (also when a
// handler already wrapped it as internal), anything unknown an internal
// error.
func classify(err error) *apperr.Error {
	e, ok := apperr.As(err)
	if (!ok || e.Kind == apperr.Internal) && store.Unreachable(err) {
		down := *errDatabaseDown
		down.Err = err
		return &down
	}
	if ok {
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
//
// An error caused by the client going away (see middleware.ClientGone) is
// not a server fault: it is recorded as 499, with no error log and no body,
// since nobody is left to read one.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if middleware.ClientGone(r, err) {
		w.WriteHeader(middleware.StatusClientClosedRequest)
		return
	}
	e := classify(err)
	status := statusOf[e.Kind]
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "err", err,
			"request_id", middleware.RequestIDFrom(r.Context()), "path", r.URL.Path)
		s.Errors.CaptureError(r, status, err) // nil-safe: off without SENTRY_DSN
	}
	body := map[string]string{"message": e.Message}
	if status == http.StatusInternalServerError {
		body["message"] = "Internal Server Error"
	}
	if e.Code != "" {
		body["error"] = e.Code
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(e.RetryAfter)))
	}
	writeJSON(w, status, body)
}

// retryAfterSeconds rounds up to whole seconds, at least 1 (the header
// has no fractions, and 0 would invite an immediate retry).
func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// writeJSON writes v as the JSON body with a status. The body is built in
// a pooled buffer — by the shape's hand-written encoder when it has one
// (view.Appender: the feed shapes), by encoding/json otherwise — so the
// response carries a Content-Length and a failed encoding is still a clean
// 500 rather than half a body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := jsonBuffers.Get().(*jsonBuffer)
	defer buf.release()
	if a, ok := v.(view.Appender); ok {
		buf.b = append(a.AppendJSON(buf.b[:0]), '\n')
	} else {
		enc := bytes.NewBuffer(buf.b[:0])
		if err := json.NewEncoder(enc).Encode(v); err != nil {
			slog.Error("encode response", "err", err)
			status, enc = http.StatusInternalServerError, bytes.NewBufferString(`{"message":"Internal Server Error"}`+"\n")
		}
		buf.b = enc.Bytes()
	}
	h := w.Header()
	h["Content-Type"] = jsonContentType[:1:1] // capped: an append elsewhere copies, never shares
	h["Content-Length"] = []string{strconv.Itoa(len(buf.b))}
	w.WriteHeader(status)
	if _, err := w.Write(buf.b); err != nil {
		slog.Debug("write response", "err", err)
	}
}

// jsonBuffer is a reusable response body; buffers that grew past
// maxPooledJSON (a huge timeline) are dropped rather than kept alive.
type jsonBuffer struct{ b []byte }

const maxPooledJSON = 256 << 10

var jsonBuffers = sync.Pool{New: func() any { return &jsonBuffer{b: make([]byte, 0, 32<<10)} }}

func (j *jsonBuffer) release() {
	if cap(j.b) <= maxPooledJSON {
		j.b = j.b[:0]
		jsonBuffers.Put(j)
	}
}

var okBody = view.OK

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

var errRouteNotFound = apperr.NotFoundf("Not found")
