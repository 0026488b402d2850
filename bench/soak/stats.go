package main

import (
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/kira-art/kira/bench/internal/loadkit"
)

// recorder collects the outcome of every request by route.
type recorder struct {
	mu     sync.Mutex
	routes map[string]*routeStats
}

// routeStats is one route's outcomes.
type routeStats struct {
	lat      []time.Duration // of every timed request (429s and errors too)
	n, ok    int
	limited  int            // 429
	errs     map[string]int // error kind ("status 500", "transport", "stream: …") → count
	firstErr string
}

func newRecorder() *recorder { return &recorder{routes: map[string]*routeStats{}} }

// outcome is how one request ended: its status (0: no answer) and, unless
// it succeeded, the kind of error ("" = success; a 429 needs none).
type outcome struct {
	status int
	kind   string
	detail string // for the first error of a route, on stderr
}

// add records one request of route that began at t0.
func (r *recorder) add(route string, t0 time.Time, o outcome) { r.record(route, time.Since(t0), o) }

// count records an event without latency (a push received, a push missed).
func (r *recorder) count(route string, o outcome) { r.record(route, -1, o) }

func (r *recorder) record(route string, d time.Duration, o outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.routes[route]
	if s == nil {
		s = &routeStats{errs: map[string]int{}}
		r.routes[route] = s
	}
	s.n++
	if d >= 0 {
		s.lat = append(s.lat, d)
	}
	switch {
	case o.status == 429:
		s.limited++
	case o.kind == "":
		s.ok++
	default:
		s.errs[o.kind]++
		if s.firstErr == "" {
			s.firstErr = o.kind + ": " + o.detail
		}
	}
}

// routeSummary is one row of the report.
type routeSummary struct {
	route         string
	n, ok         int
	limited, errs int
	byKind        map[string]int
	p50, p99, max time.Duration // -1: events without latency
	firstErr      string
}

// summaries returns a row per route, in name order.
func (r *recorder) summaries() []routeSummary {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []routeSummary
	for name, s := range r.routes {
		lat := slices.Clone(s.lat)
		slices.Sort(lat)
		sum := routeSummary{route: name, n: s.n, ok: s.ok, limited: s.limited, byKind: map[string]int{},
			p50: loadkit.Percentile(lat, 50), p99: loadkit.Percentile(lat, 99), firstErr: s.firstErr}
		if len(lat) > 0 {
			sum.max = lat[len(lat)-1]
		} else {
			sum.p50, sum.p99, sum.max = -1, -1, -1
		}
		for k, v := range s.errs {
			sum.byKind[k] = v
			sum.errs += v
		}
		out = append(out, sum)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].route < out[j].route })
	return out
}
