package app

import (
	"slices"

	"github.com/kira-art/kira/internal/accounts/external"
	"github.com/kira-art/kira/internal/jobs"
)

// externalCleaners are the third-party clean-ups of a hard delete whose
// settings are present (internal/accounts/external), for the jobs'
// ExternalCleanup worker; the start-up log names them (never their keys).
func (a *App) externalCleaners() map[string]jobs.Cleaner {
	built := external.FromConfig(a.cfg, nil)
	m := make(map[string]jobs.Cleaner, len(built))
	names := make([]string, 0, len(built))
	for service, c := range built {
		m[service] = c
		names = append(names, service)
	}
	slices.Sort(names)
	a.log.Info("external clean-ups of deleted accounts", "services", names)
	return m
}
