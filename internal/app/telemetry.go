package app

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kira-art/kira/internal/analytics"
	"github.com/kira-art/kira/internal/httpapi/middleware"
)

// telemetry is error reporting (Sentry) and product events (PostHog),
// each off — nil reporter, analytics.Nop — when its setting is empty.
type telemetry struct {
	errors *middleware.ErrorReporter
	events analytics.Events
	// collectors are the metrics of the events client, registered with the
	// API's registry.
	collectors []prometheus.Collector
}

// buildTelemetry connects Sentry (SENTRY_DSN) and starts the PostHog
// sender (POSTHOG_API_KEY) here rather than in Start, because workers
// capture events as soon as they run. Both stop late (they were set up
// early), after HTTP and the workers, so what those last report is sent.
func (a *App) buildTelemetry(context.Context) error {
	ac := a.cfg.Analytics
	rep, err := middleware.NewErrorReporter(middleware.ErrorReporterOptions{DSN: ac.SentryDSN, Environment: a.cfg.Env})
	if err != nil {
		return err
	}
	a.telemetry.errors = rep
	if rep != nil {
		a.onStop(rep.Stop)
		a.log.Info("error reporting: sentry")
	}
	a.telemetry.events = analytics.Nop{}
	if ac.PostHogAPIKey != "" {
		c := analytics.New(analytics.Config{APIKey: ac.PostHogAPIKey, Host: ac.PostHogHost, Log: a.log})
		c.Start()
		a.onStop(c.Stop)
		a.telemetry.events, a.telemetry.collectors = c, []prometheus.Collector{c.Collector()}
		a.log.Info("product events: posthog", "host", ac.PostHogHost)
	}
	return nil
}
