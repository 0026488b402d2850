package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kira-art/kira/api"
	"github.com/kira-art/kira/internal/view"
)

// systemHandlers serves health, readiness, metrics and the contract.
type systemHandlers struct{ s *Server }

// healthBody and jsonContentType are built once: /health is polled by load
// balancers and must cost next to nothing. The header slice is shared, which
// is safe because header values are replaced, never edited in place.
var (
	healthBody      = []byte(`{"status":"ok"}` + "\n")
	jsonContentType = []string{"application/json; charset=utf-8"}
)

func (h systemHandlers) health(w http.ResponseWriter, r *http.Request) {
	w.Header()["Content-Type"] = jsonContentType[:1:1]
	w.Write(healthBody) //nolint:errcheck // the client went away; nothing to tell it
}

// ready probes every dependency with a short deadline; any failure is a 503
// naming the failing check (load balancers stop routing here).
func (h systemHandlers) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{}
	status, code := "ok", http.StatusOK
	for _, c := range h.s.Ready {
		if err := c.Check(ctx); err != nil {
			h.s.log.WarnContext(ctx, "readiness check failed", "check", c.Name, "err", err)
			checks[c.Name] = "unavailable"
			status, code = "unavailable", http.StatusServiceUnavailable
			continue
		}
		checks[c.Name] = "ok"
	}
	writeJSON(w, code, view.Readiness{Status: status, Checks: checks})
}

func (h systemHandlers) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(api.Spec) //nolint:errcheck
}

func (h systemHandlers) metrics() http.Handler {
	return promhttp.HandlerFor(h.s.Registry, promhttp.HandlerOpts{})
}
