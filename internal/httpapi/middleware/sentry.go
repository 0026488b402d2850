package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/getsentry/sentry-go"
)

// ErrorReporter sends server faults — panics and 5xx responses — to Sentry
// (SENTRY_DSN). An event carries the request id, the user id when
// authenticated, the method, the route pattern, the path and the query
// string with secret-looking parameters filtered; never headers, cookies
// or bodies. A nil *ErrorReporter is valid and reports nothing.
//
// There is no per-request hub: the event is built only when something
// failed, from the per-request state the chain already keeps, so a
// successful request pays nothing for Sentry beyond the middleware's own
// deferred status check.
type ErrorReporter struct {
	client *sentry.Client
}

// ErrorReporterOptions are the settings of NewErrorReporter.
type ErrorReporterOptions struct {
	DSN         string // empty = no reporter (nil, nil)
	Release     string
	Environment string
	// Transport replaces the SDK's HTTP transport (nil = default).
	Transport sentry.Transport
}

// NewErrorReporter connects to the DSN; it returns nil (and no error) when
// the DSN is empty, so the caller can pass the result on unchanged.
func NewErrorReporter(o ErrorReporterOptions) (*ErrorReporter, error) {
	if o.DSN == "" {
		return nil, nil
	}
	c, err := sentry.NewClient(sentry.ClientOptions{
		Dsn: o.DSN, Release: o.Release, Environment: o.Environment, Transport: o.Transport,
		SendDefaultPII: false, AttachStacktrace: true, DisableClientReports: true,
		BeforeSend: scrubEvent,
	})
	if err != nil {
		return nil, fmt.Errorf("sentry: %w", err)
	}
	return &ErrorReporter{client: c}, nil
}

// CaptureErrors is the chain's Sentry layer: it reports a panic (then lets
// it unwind on to Recover, which answers 500) and a 5xx response that
// CaptureError did not already report with its cause. It must sit inside
// AccessLog (for the shared status writer) and Recover, and outside the
// mux. With a nil reporter it returns the handler unchanged: nothing is
// added to the chain.
func CaptureErrors(e *ErrorReporter) func(http.Handler) http.Handler {
	if e == nil {
		return func(next http.Handler) http.Handler { return next }
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r, s := withState(r)
			sw, inner := s.writer(w)
			defer func() {
				if p := recover(); p != nil {
					if err, ok := p.(error); !ok || !errors.Is(err, http.ErrAbortHandler) {
						e.capturePanic(r, p)
					}
					panic(p)
				}
				if st := sw.status; st >= 500 && !s.takeReported() {
					e.capture(r, "", st, e.client.EventFromMessage("HTTP "+strconv.Itoa(st)+" response", sentry.LevelError), nil)
				}
			}()
			next.ServeHTTP(inner, r)
		})
	}
}

// CaptureError reports err, the cause of a 5xx response to r, and marks
// the request so CaptureErrors does not report its status again. The error
// mapper (httpapi.writeError) calls it, where the cause is still known.
func (e *ErrorReporter) CaptureError(r *http.Request, status int, err error) {
	if e == nil {
		return
	}
	if s := stateFrom(r.Context()); s != nil {
		s.mu.Lock()
		s.reported = true
		s.mu.Unlock()
	}
	e.capture(r, r.Pattern, status, e.client.EventFromException(err, sentry.LevelError), err)
}

// capturePanic reports a handler's panic; the stack is taken here, inside
// the deferred call, where it still holds the panicking frames.
func (e *ErrorReporter) capturePanic(r *http.Request, p any) {
	var ev *sentry.Event
	if err, ok := p.(error); ok {
		ev = e.client.EventFromException(err, sentry.LevelFatal)
		ev.Message = "panic: " + err.Error()
	} else {
		ev = e.client.EventFromMessage(fmt.Sprint("panic: ", p), sentry.LevelFatal)
	}
	e.capture(r, "", http.StatusInternalServerError, ev, nil)
}

// capture adds the request's context to ev and sends it (asynchronously:
// the SDK's transport queues it).
func (e *ErrorReporter) capture(r *http.Request, route string, status int, ev *sentry.Event, err error) {
	s := stateFrom(r.Context())
	var reqID, userID string
	if s != nil {
		s.mu.Lock()
		reqID, userID = s.id, s.userID
		if route == "" {
			route = s.pattern
		}
		s.mu.Unlock()
	}
	if route == "" {
		route = r.Pattern
	}
	ev.Tags = map[string]string{"request_id": reqID, "method": r.Method, "route": route, "status": strconv.Itoa(status)}
	if userID != "" {
		ev.User = sentry.User{ID: userID}
	}
	ev.Transaction = route
	ev.Request = &sentry.Request{Method: r.Method, URL: requestURL(r), QueryString: scrubQuery(r.URL.RawQuery)}
	// WithoutCancel: the SDK may send after the response ended its request.
	e.client.CaptureEvent(ev, &sentry.EventHint{Context: context.WithoutCancel(r.Context()), OriginalException: err}, nil)
}

// Stop sends what is queued, within ctx's deadline.
func (e *ErrorReporter) Stop(ctx context.Context) error {
	if e == nil {
		return nil
	}
	if !e.client.FlushWithContext(ctx) {
		return errors.New("sentry: events not flushed before the deadline")
	}
	return nil
}

// Flush is Stop with a timeout, for tests.
func (e *ErrorReporter) Flush(d time.Duration) bool { return e == nil || e.client.Flush(d) }

// takeReported reports whether CaptureError already reported the request.
func (s *reqState) takeReported() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reported
}

// requestURL is the request's URL without its query string.
func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.Path
}

// secretParam reports whether a query parameter may hold a secret
// (?password= of the operator routes, tokens, URL signatures).
func secretParam(name string) bool {
	n := strings.ToLower(name)
	for _, part := range []string{"password", "passwd", "token", "secret", "auth", "key", "sig"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// scrubQuery replaces the values of secret-looking parameters with
// [Filtered]; a query that does not parse is dropped whole.
func scrubQuery(raw string) string {
	if raw == "" {
		return ""
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "[Filtered]"
	}
	for k := range q {
		if secretParam(k) {
			q[k] = []string{"[Filtered]"}
		}
	}
	return q.Encode()
}

// scrubEvent is the BeforeSend hook: whatever built the event, no
// credential, cookie or body leaves the process.
func scrubEvent(ev *sentry.Event, _ *sentry.EventHint) *sentry.Event {
	if rq := ev.Request; rq != nil {
		for k := range rq.Headers {
			switch strings.ToLower(k) {
			case "authorization", "cookie", "set-cookie", "proxy-authorization", "x-api-key":
				delete(rq.Headers, k)
			}
		}
		rq.Cookies, rq.Data = "", ""
		rq.QueryString = scrubQuery(rq.QueryString)
		if u, err := url.Parse(rq.URL); err == nil && u.RawQuery != "" {
			u.RawQuery = scrubQuery(u.RawQuery)
			rq.URL = u.String()
		}
	}
	ev.User.Email, ev.User.IPAddress, ev.User.Username = "", "", ""
	return ev
}
