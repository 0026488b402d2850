package httpapi

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/store"
)

// TestClassifyDatabaseDown: a lost database connection is a 503 whether
// it arrives bare, wrapped by a store method, or already wrapped as an
// internal error by a handler; client errors keep their kind.
func TestClassifyDatabaseDown(t *testing.T) {
	t.Parallel()
	down := fmt.Errorf("list threads: %w", &pgconn.ConnectError{})
	for name, c := range map[string]struct {
		err  error
		want apperr.Kind
	}{
		"bare":               {down, apperr.Unavailable},
		"wrapped internal":   {apperr.Wrap(down, "load profile"), apperr.Unavailable},
		"not found stays":    {store.ErrNotFound, apperr.NotFound},
		"client error stays": {&apperr.Error{Kind: apperr.Invalid, Message: "bad", Err: down}, apperr.Invalid},
		"unknown internal":   {errors.New("boom"), apperr.Internal},
	} {
		e := classify(c.err)
		if e.Kind != c.want {
			t.Errorf("%s: kind %v, want %v", name, e.Kind, c.want)
		}
		if c.want == apperr.Unavailable && (e.RetryAfter <= 0 || !errors.Is(e, down)) {
			t.Errorf("%s: %+v lacks Retry-After or the cause", name, e)
		}
	}
}
