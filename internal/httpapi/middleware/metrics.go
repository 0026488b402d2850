package middleware

import (
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics holds the Prometheus collectors for HTTP traffic:
//
//	kira_http_requests_total{method,route,status}       counter
//	kira_http_request_duration_seconds{method,route}    histogram
//	kira_http_requests_in_flight                        gauge
//
// route is the ServeMux pattern (e.g. "GET /thread/{id}"), never the raw
// path, so label cardinality stays bounded by the number of routes.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge

	// routes caches the resolved series per (method, route) so a request
	// costs one map lookup and no label strings. It is copied on write:
	// new keys are rare (bounded by routes × methods) and readers never
	// lock.
	routes atomic.Pointer[map[routeKey]*routeSeries]
	mu     sync.Mutex // serialises writers of routes
}

type routeKey struct{ method, route string }

// routeSeries is one (method, route)'s histogram and its counters by
// status, the latter a short copy-on-write list because a route answers
// with a handful of codes.
type routeSeries struct {
	method, route string
	duration      prometheus.Observer
	statuses      atomic.Pointer[[]statusSeries]
	mu            sync.Mutex
}

type statusSeries struct {
	code    int
	counter prometheus.Counter
}

// NewMetrics creates the collectors and registers them with reg. It panics
// if they are already registered there, as prometheus.MustRegister does,
// because that is a wiring bug. A nil reg registers nothing.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kira_http_requests_total",
			Help: "HTTP requests served, by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kira_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by method and route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kira_http_requests_in_flight",
			Help: "HTTP requests currently being served.",
		}),
	}
	m.routes.Store(&map[routeKey]*routeSeries{})
	if reg != nil {
		reg.MustRegister(m.requests, m.duration, m.inFlight)
	}
	return m
}

// Middleware records metrics for each request. It must wrap the
// *http.ServeMux directly (be innermost): the mux sets r.Pattern on the
// request it receives, and the pattern is read after it returns. It also
// passes the pattern to AccessLog, whose request copy never sees it.
//
// Long-lived streams (SSE) count in the duration histogram with their whole
// lifetime; that is what they cost, so it is kept. A request whose client
// went away is counted with status 499, not as a server error.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.inFlight.Inc()
		s := stateFrom(r.Context())
		start := time.Now()
		if s != nil {
			start = s.start
		}
		sw, w := s.writer(w)
		completed := false
		// Deferred so a panicking handler still decrements the gauge and is
		// counted; Recover sits further out and answers 500 for it.
		defer func() {
			m.inFlight.Dec()
			route := r.Pattern
			if s != nil {
				s.mu.Lock()
				s.pattern = route
				s.mu.Unlock()
			}
			if route == "" {
				route = "unmatched" // 404s on random paths must not mint labels
			}
			rs := m.series(methodLabel(r.Method), route)
			rs.counter(m, finalStatus(r, sw, completed)).Inc()
			rs.duration.Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(w, r)
		completed = true
	})
}

// series returns the cached series of (method, route), resolving them on
// first use.
func (m *Metrics) series(method, route string) *routeSeries {
	k := routeKey{method, route}
	if rs, ok := (*m.routes.Load())[k]; ok {
		return rs
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.routes.Load()
	if rs, ok := old[k]; ok {
		return rs
	}
	rs := &routeSeries{method: method, route: route, duration: m.duration.WithLabelValues(method, route)}
	rs.statuses.Store(&[]statusSeries{})
	next := maps.Clone(old)
	next[k] = rs
	m.routes.Store(&next)
	return rs
}

// counter returns the request counter for one status of the route.
func (rs *routeSeries) counter(m *Metrics, code int) prometheus.Counter {
	for _, s := range *rs.statuses.Load() {
		if s.code == code {
			return s.counter
		}
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	old := *rs.statuses.Load()
	for _, s := range old {
		if s.code == code {
			return s.counter
		}
	}
	c := m.requests.WithLabelValues(rs.method, rs.route, strconv.Itoa(code))
	next := append(old[:len(old):len(old)], statusSeries{code, c})
	rs.statuses.Store(&next)
	return c
}

// methodLabel folds unknown methods into one value, because the method is
// chosen by the client and would otherwise be an unbounded label. It returns
// constants, so a cached series never holds on to a request's memory.
func methodLabel(m string) string {
	for _, known := range knownMethods {
		if m == known {
			return known
		}
	}
	return "OTHER"
}

var knownMethods = [...]string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodHead, http.MethodOptions, http.MethodConnect, http.MethodTrace}
