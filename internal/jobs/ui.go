package jobs

import (
	"riverqueue.com/riverui"
)

// UI is River's own web UI (riverqueue.com/riverui, MIT) over this
// client's database — Postgres or SQLite, the same driver the workers
// use — serving its pages and API under prefix (e.g. "/admin/river").
// The caller guards it and runs its Start for as long as it is served.
func (j *Jobs) UI(prefix string) (*riverui.Handler, error) {
	return riverui.NewHandler(&riverui.HandlerOpts{Endpoints: j.ui, Logger: j.cfg.Log.With("component", "riverui"),
		Prefix: prefix})
}
