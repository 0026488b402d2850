// Package middleware provides the HTTP middleware chain of the API server,
// which is built on the standard library's http.ServeMux.
//
// The intended order, outermost first, is
//
//	h := middleware.Chain(metrics.Middleware(mux),
//		middleware.RequestID,          // everything below may log the id
//		middleware.AccessLog(logger),  // installs the per-request holder; sees Recover's 500
//		middleware.Recover(logger),
//		middleware.CaptureErrors(reporter), // Sentry: sees a panic before Recover; nothing when off
//		middleware.CORS(corsCfg),      // also answers preflights, so they never reach the router
//		middleware.BodyReadTimeout(middleware.JSONBodyTimeout, middleware.UploadBodyTimeout, "/upload"),
//		middleware.BodyLimit(limit, "/upload"),
//	)
//
// Metrics.Middleware must wrap the mux directly: ServeMux sets r.Pattern on
// the request it is handed, and every layer that derives a request with
// r.WithContext gets a copy that never sees it. Metrics therefore also hands
// the pattern to AccessLog through the per-request state.
//
// The chain is built to cost little on every request: the request id,
// user id, pattern and the one status-recording writer live in a single
// per-request state that is also the request's context, metric series are
// resolved once per route, CORS header values are precomputed, and nothing
// is done for requests without a body. BenchmarkHealthChain in package
// httpapi measures it (docs/benchmarks.md).
package middleware
