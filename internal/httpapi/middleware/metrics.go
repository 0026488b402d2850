package middleware

import (
	"net/http"
	"strconv"
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
// lifetime; that is what they cost, so it is kept.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.inFlight.Inc()
		start := time.Now()
		sw := newStatusWriter(w)
		completed := false
		// Deferred so a panicking handler still decrements the gauge and is
		// counted; Recover sits further out and answers 500 for it.
		defer func() {
			m.inFlight.Dec()
			route := r.Pattern
			setPattern(r.Context(), route)
			if route == "" {
				route = "unmatched" // 404s on random paths must not mint labels
			}
			status := sw.statusOr(http.StatusOK)
			if !completed && !sw.written() {
				status = http.StatusInternalServerError
			}
			method := methodLabel(r.Method)
			m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
			m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(sw, r)
		completed = true
	})
}

// methodLabel folds unknown methods into one value, because the method is
// chosen by the client and would otherwise be an unbounded label.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}
