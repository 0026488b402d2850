package store_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kira-art/kira/internal/store"
)

// TestUnreachable: a database that cannot be reached is told apart from
// errors of the request or the code (which must stay 4xx/500).
func TestUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, refused := store.Open(ctx, "postgres://postgres@"+addr+"/x?sslmode=disable&connect_timeout=5", "")
	if refused == nil {
		t.Fatal("opened a database nobody serves")
	}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", refused, true},
		{"wrapped connect error", fmt.Errorf("list threads: %w", &pgconn.ConnectError{}), true},
		{"conn closed", fmt.Errorf("begin: %w", pgconn.ErrConnClosed), true},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"not found", store.ErrNotFound, false},
		{"conflict", store.ErrConflict, false},
		{"other", errors.New("boom"), false},
		{"nil", nil, false},
	} {
		if got := store.Unreachable(c.err); got != c.want {
			t.Errorf("%s (%v): Unreachable = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
