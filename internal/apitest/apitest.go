// Package apitest checks HTTP exchanges in tests against the API contract in
// api/openapi.yaml (OpenAPI 3.1), so every handler test doubles as a contract
// test.
//
// Use it in one of two ways:
//
//	v := apitest.New(t)
//	client := v.Client(t)            // or &http.Client{Transport: v.Transport(t, base)}
//	resp, err := client.Get(srv.URL + "/user/profile")
//
// or, with an httptest.ResponseRecorder:
//
//	v.Check(t, req, reqBody, rec.Result(), rec.Body.Bytes())
//
// What is checked:
//   - the request's path and method exist in the spec (paths not in the spec are errors);
//   - the request's parameters (path, query, header) and body match the spec, unless the
//     request is marked intentionally invalid with [WithBadRequest] or the
//     [BadRequestHeader] header; authentication is never checked (servers test that);
//   - the response's status code is documented for the operation (undocumented statuses
//     are errors), its content type is declared for that status and, for JSON, its body
//     matches the schema (formats such as uuid and date-time are asserted); declared
//     required response headers are present;
//   - SSE responses (text/event-stream) are checked for status, content type and headers
//     only: their bodies are left unread and unbuffered.
//
// Conventions:
//   - Any host is accepted: only the path is matched against the spec.
//   - JSON request bodies must carry Content-Type: application/json, as real
//     clients send it; a body without a declared content type is reported.
//   - Routes the spec lists with a trailing slash (/thread/, /feed/, /publish/, /download/,
//     /user/) also match without it (/thread), as the server answers both.
//   - HEAD requests are checked as the GET operation, status and headers only.
//   - CORS preflight requests (OPTIONS with Access-Control-Request-Method) are not checked.
//   - [WithoutValidation] (or the [SkipHeader] header) turns checking off for one request,
//     for tests of behaviour outside the contract (unknown routes, 405 from the router).
package apitest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/kira-art/kira/api"
)

// BadRequestHeader marks a request sent through [Validator.Transport] as
// intentionally invalid (any non-empty value): the request is not validated,
// only the response is. The transport removes the header before sending.
const BadRequestHeader = "X-Apitest-Bad-Request"

// SkipHeader turns validation off for one request sent through
// [Validator.Transport] (any non-empty value). The transport removes the
// header before sending.
const SkipHeader = "X-Apitest-Skip"

type ctxKey int

const (
	badRequestKey ctxKey = iota
	skipKey
)

// WithBadRequest marks requests made with the returned context as
// intentionally invalid: their parameters and body are not validated, but the
// response still is (its status must be documented and its body must match).
// Use it for tests that send malformed input on purpose and expect a 4xx.
func WithBadRequest(ctx context.Context) context.Context {
	return context.WithValue(ctx, badRequestKey, true)
}

// WithoutValidation turns validation off for requests made with the returned
// context, for tests of behaviour outside the contract (unknown routes, wrong
// methods). Prefer [WithBadRequest] whenever the route is in the spec.
func WithoutValidation(ctx context.Context) context.Context {
	return context.WithValue(ctx, skipKey, true)
}

func isBadRequest(req *http.Request) bool {
	v, _ := req.Context().Value(badRequestKey).(bool)
	return v || req.Header.Get(BadRequestHeader) != ""
}

func isSkipped(req *http.Request) bool {
	v, _ := req.Context().Value(skipKey).(bool)
	if v || req.Header.Get(SkipHeader) != "" {
		return true
	}
	// CORS preflight requests are answered by middleware, outside the contract.
	return req.Method == http.MethodOptions && req.Header.Get("Access-Control-Request-Method") != ""
}

// contract is the parsed spec, shared by every Validator of the process.
type contract struct {
	document libopenapi.Document
	model    *v3.Document
	full     validator.Validator // requests, and responses with bodies
	// statusOnly checks responses' status and headers only (HEAD requests);
	// built on first use, without schema cache warming, to keep start-up fast.
	statusOnlyOnce sync.Once
	statusOnlyV    validator.Validator
	// slashless maps "/thread" to "/thread/" for every literal spec path with a
	// trailing slash.
	slashless map[string]string
}

var (
	loadOnce   sync.Once
	loaded     *contract
	loadFailed error
)

// load parses api.Spec once per process.
func load() (*contract, error) {
	loadOnce.Do(func() { loaded, loadFailed = parse(api.Spec) })
	return loaded, loadFailed
}

// parse builds a contract from an OpenAPI document.
func parse(spec []byte) (*contract, error) {
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		return nil, fmt.Errorf("apitest: parse api/openapi.yaml: %w", err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("apitest: build model of api/openapi.yaml: %w", err)
	}
	c := &contract{
		document:  doc,
		model:     &model.Model,
		full:      validator.NewValidatorFromV3Model(&model.Model, commonOptions()...),
		slashless: slashlessPaths(&model.Model),
	}
	return c, nil
}

// commonOptions are the validator options of every check: authentication is
// the server's business, formats (uuid, date-time …) are asserted.
func commonOptions() []config.Option {
	return []config.Option{
		config.WithoutSecurityValidation(),
		config.WithFormatAssertions(),
	}
}

// statusOnly returns the validator that checks responses' status and headers
// but not their content.
func (c *contract) statusOnly() validator.Validator {
	c.statusOnlyOnce.Do(func() {
		opts := append(commonOptions(), config.WithoutResponseBodyValidation(), config.WithSchemaCache(nil))
		c.statusOnlyV = validator.NewValidatorFromV3Model(c.model, opts...)
	})
	return c.statusOnlyV
}

// slashlessPaths lists the spec paths written with a trailing slash, keyed by
// their form without it.
func slashlessPaths(m *v3.Document) map[string]string {
	out := map[string]string{}
	if m.Paths == nil || m.Paths.PathItems == nil {
		return out
	}
	for p := m.Paths.PathItems.First(); p != nil; p = p.Next() {
		path := p.Key()
		if len(path) > 1 && strings.HasSuffix(path, "/") && !strings.Contains(path, "{") {
			out[strings.TrimSuffix(path, "/")] = path
		}
	}
	return out
}

// Validator checks HTTP exchanges against api/openapi.yaml. It is safe for
// concurrent use.
type Validator struct {
	c *contract
}

// New returns a Validator for the embedded api/openapi.yaml, parsed once per
// process. It fails the test if the spec cannot be parsed.
func New(t testing.TB) *Validator {
	t.Helper()
	c, err := load()
	if err != nil {
		t.Fatalf("%v", err)
	}
	return &Validator{c: c}
}

// Transport wraps base (nil = http.DefaultTransport) so that every request
// sent and every response received through it is validated; a mismatch is
// reported with t.Errorf naming method, path, status and the validation
// errors. Response bodies stay readable by the caller (they are buffered and
// replaced), except SSE (text/event-stream) responses, which are checked for
// status, content type and headers only and passed through unbuffered.
func (v *Validator) Transport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{v: v, t: t, base: base}
}

// Client returns an *http.Client using [Validator.Transport] over
// http.DefaultTransport. It does not follow redirects, so a redirect status is
// validated (and returned) as such.
func (v *Validator) Client(t testing.TB) *http.Client {
	return &http.Client{
		Transport: v.Transport(t, nil),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Check validates one exchange explicitly, for httptest.ResponseRecorder based
// tests. reqBody is the request body that was sent (nil for none); req.Body is
// not read. respBody is the response body (e.g. rec.Body.Bytes()); when it is
// nil, resp.Body is read and replaced so it stays readable. Mark deliberately
// invalid requests with [WithBadRequest] on req's context (or the
// [BadRequestHeader] header).
func (v *Validator) Check(t testing.TB, req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) {
	t.Helper()
	if isSkipped(req) {
		return
	}
	if respBody == nil && resp.Body != nil && !isSSE(resp) {
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		if err != nil {
			t.Errorf("apitest: %s %s: reading response body: %v", req.Method, req.URL.Path, err)
			return
		}
		respBody = b
	}
	reqErrs := v.checkRequest(req, reqBody)
	respErrs := v.checkResponse(req, resp, respBody)
	report(t, req, resp.StatusCode, reqErrs, respErrs)
}

type transport struct {
	v    *Validator
	t    testing.TB
	base http.RoundTripper
}

// RoundTrip validates the request, sends it, and validates the response.
func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if isSkipped(req) {
		if req.Header.Get(SkipHeader) != "" {
			req = req.Clone(req.Context())
			req.Header.Del(SkipHeader)
		}
		return tr.base.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	out.Header.Del(BadRequestHeader)

	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("apitest: reading request body: %w", err)
		}
		reqBody = b
		out.Body = io.NopCloser(bytes.NewReader(b))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		out.ContentLength = int64(len(b))
	}
	reqErrs := tr.v.checkRequest(req, reqBody)

	resp, err := tr.base.RoundTrip(out)
	if err != nil {
		if len(reqErrs) > 0 {
			tr.t.Errorf("apitest: %s %s (no response: %v) violates api/openapi.yaml:%s",
				req.Method, req.URL.Path, err, formatErrors("request", reqErrs))
		}
		return nil, err
	}

	var respBody []byte
	if !isSSE(resp) && resp.Body != nil {
		b, rerr := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		if rerr != nil {
			return nil, fmt.Errorf("apitest: reading response body: %w", rerr)
		}
		respBody = b
	}
	respErrs := tr.v.checkResponse(req, resp, respBody)
	report(tr.t, req, resp.StatusCode, reqErrs, respErrs)
	return resp, nil
}

func isSSE(resp *http.Response) bool {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return mt == "text/event-stream"
}

// forSpec returns a shallow copy of req whose path is the spec's form (the
// trailing slash added for slash routes), for matching.
func (v *Validator) forSpec(req *http.Request, method string) *http.Request {
	r := req.Clone(req.Context())
	if method != "" {
		r.Method = method
	}
	if p, ok := v.c.slashless[r.URL.Path]; ok {
		r.URL.Path = p
		r.URL.RawPath = ""
	}
	return r
}

// checkRequest validates the request's path, parameters and body. For
// requests marked bad only the path and method are checked (the response
// check reports them).
func (v *Validator) checkRequest(req *http.Request, body []byte) []*verrors.ValidationError {
	if isBadRequest(req) || req.Method == http.MethodHead {
		return nil
	}
	r := v.forSpec(req, "")
	r.Header.Del(BadRequestHeader)
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	} else {
		r.Body = http.NoBody
		r.ContentLength = 0
	}
	_, errs := v.c.full.ValidateHttpRequestSync(r)
	return errs
}

// checkResponse validates the response's status, content type, headers and
// (for non-SSE, non-HEAD responses) body.
func (v *Validator) checkResponse(req *http.Request, resp *http.Response, body []byte) []*verrors.ValidationError {
	rs := *resp
	rs.Header = resp.Header.Clone()
	switch {
	case req.Method == http.MethodHead:
		rs.Body = http.NoBody
		_, errs := v.c.statusOnly().ValidateHttpResponse(v.forSpec(req, http.MethodGet), &rs)
		return errs
	case isSSE(resp):
		// No decoder is registered for text/event-stream, so the validator
		// checks status, content type and headers without reading the body.
		rs.Body = http.NoBody
	default:
		rs.Body = io.NopCloser(bytes.NewReader(body))
		rs.ContentLength = int64(len(body))
	}
	_, errs := v.c.full.ValidateHttpResponse(v.forSpec(req, ""), &rs)
	return errs
}

// report fails the test with every violation, naming method, path and status.
func report(t testing.TB, req *http.Request, status int, reqErrs, respErrs []*verrors.ValidationError) {
	if len(reqErrs) == 0 && len(respErrs) == 0 {
		return
	}
	t.Helper()
	// A path or method missing from the spec is reported by both checks; keep one.
	if len(reqErrs) > 0 {
		seen := map[string]bool{}
		for _, e := range reqErrs {
			seen[e.Message] = true
		}
		kept := respErrs[:0:0]
		for _, e := range respErrs {
			if !seen[e.Message] {
				kept = append(kept, e)
			}
		}
		respErrs = kept
	}
	t.Errorf("apitest: %s %s → %d violates api/openapi.yaml:%s%s",
		req.Method, req.URL.RequestURI(), status,
		formatErrors("request", reqErrs), formatErrors("response", respErrs))
}

func formatErrors(kind string, errs []*verrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n  - %s: %s", kind, e.Message)
		if e.Reason != "" && e.Reason != e.Message {
			fmt.Fprintf(&b, " (%s)", e.Reason)
		}
		for _, s := range e.SchemaValidationErrors {
			loc := s.FieldPath
			if loc == "" {
				loc = "/" + strings.Join(s.InstancePath, "/")
			}
			fmt.Fprintf(&b, "\n      %s: %s", loc, s.Reason)
		}
	}
	return b.String()
}
