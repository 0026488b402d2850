package app

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/kira-art/kira/internal/httpapi"
)

// errDraining fails the "drain" readiness check once shutdown began, so
// load balancers stop sending new requests while the listener still
// serves the ones that arrive.
var errDraining = errors.New("draining")

// drainState is set when Shutdown begins.
type drainState struct{ on atomic.Bool }

// buildDrain adds the readiness check that fails during the drain.
func (a *App) buildDrain(context.Context) error {
	a.ready = append(a.ready, httpapi.ReadyCheck{Name: "drain", Check: func(context.Context) error {
		if a.drain.on.Load() {
			return errDraining
		}
		return nil
	}})
	return nil
}

// maxStopReserve caps the part of the shutdown deadline kept for stopping
// after the runs: saving the stopped runs, HTTP, websockets, River, stores.
const maxStopReserve = 5 * time.Second

// Shutdown drains, then stops, within ctx's deadline (KIRA_SHUTDOWN_TIMEOUT):
// /ready answers 503 at once and new chat runs are refused with a 503 and
// Retry-After, while the listener keeps serving every other request; the
// running runs may finish until the deadline less a reserve (a third of it,
// at most 5s), then the rest are stopped and saved as stopped. Stop follows:
// HTTP drains its requests (the SSE responses end with their runs), the
// realtime node disconnects websocket clients with a reconnect advice,
// River stops softly, and the stores close last.
func (a *App) Shutdown(ctx context.Context) error {
	a.drain.on.Store(true)
	drainCtx := ctx
	if deadline, ok := ctx.Deadline(); ok {
		reserve := min(time.Until(deadline)/3, maxStopReserve)
		var cancel context.CancelFunc
		drainCtx, cancel = context.WithDeadline(ctx, deadline.Add(-reserve))
		defer cancel()
	}
	if a.agent != nil && a.opts.role != RoleWorker {
		a.agent.Drain(drainCtx)
	}
	return a.Stop(ctx)
}
