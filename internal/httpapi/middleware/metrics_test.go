package middleware

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

func TestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /thread/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "gone" {
			w.WriteHeader(http.StatusNotFound)
		}
	})
	// The other middleware derive requests; the pattern must still be seen.
	logger, _ := newTestLogger()
	srv := httptest.NewServer(Chain(m.Middleware(mux), RequestID, AccessLog(logger), Recover(logger)))
	t.Cleanup(srv.Close)

	for _, p := range []string{"/thread/1", "/thread/2", "/thread/gone", "/random/a", "/random/b", "/wp-admin.php"} {
		resp, err := srv.Client().Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	counts := counterValues(t, reg, "kira_http_requests_total")
	want := map[[3]string]float64{
		{"GET", "GET /thread/{id}", "200"}: 2,
		{"GET", "GET /thread/{id}", "404"}: 1,
		{"GET", "unmatched", "404"}:        3,
	}
	if len(counts) != len(want) {
		t.Errorf("series %v, want %v", counts, want)
	}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("requests_total%v = %v, want %v", k, counts[k], v)
		}
	}

	if n := testutil.CollectAndCount(m.duration, "kira_http_request_duration_seconds"); n != 2 {
		t.Errorf("duration series = %d, want 2 (one per route)", n)
	}
	if v := testutil.ToFloat64(m.inFlight); v != 0 {
		t.Errorf("in flight = %v after all requests finished", v)
	}
	if n, err := testutil.GatherAndCount(reg, "kira_http_requests_in_flight"); err != nil || n != 1 {
		t.Errorf("in-flight gauge not registered: %d, %v", n, err)
	}
}

func TestMetricsInFlightAndPanic(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	var inside float64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) {
		inside = testutil.ToFloat64(m.inFlight)
		panic("boom")
	})
	logger, _ := newTestLogger()
	h := Chain(m.Middleware(mux), Recover(logger))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/boom", nil))
	if rec.Code != http.StatusInternalServerError || inside != 1 {
		t.Fatalf("status %d, in flight inside %v", rec.Code, inside)
	}
	if v := testutil.ToFloat64(m.inFlight); v != 0 {
		t.Errorf("in flight = %v after panic", v)
	}
	if v := testutil.ToFloat64(m.requests.WithLabelValues("GET", "GET /boom", "500")); v != 1 {
		t.Errorf("panic counted as %v 500s", v)
	}
}

func TestMetricsUnknownMethod(t *testing.T) {
	t.Parallel()
	m := NewMetrics(prometheus.NewRegistry())
	h := m.Middleware(http.NewServeMux())
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("FOOBAR", "/", nil))
	if v := testutil.ToFloat64(m.requests.WithLabelValues("OTHER", "unmatched", "404")); v != 1 {
		t.Errorf("got %v", v)
	}
}

// counterValues gathers a counter family from reg, keyed by
// (method, route, status) labels.
func counterValues(t *testing.T, reg *prometheus.Registry, name string) map[[3]string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[[3]string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		if mf.GetType() != dto.MetricType_COUNTER {
			t.Fatalf("%s is %v, want counter", name, mf.GetType())
		}
		for _, metric := range mf.GetMetric() {
			l := map[string]string{}
			for _, lp := range metric.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			out[[3]string{l["method"], l["route"], l["status"]}] = metric.GetCounter().GetValue()
		}
	}
	return out
}
