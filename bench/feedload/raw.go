package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Seq is what one request of a route sends to the database.
type Seq struct {
	Tx    bool // in one transaction (BEGIN … COMMIT), as the store's inTx
	Stmts []Stmt
	// Query, when set, is the request's single statement, text and
	// arguments together (queries whose text the store exports, e.g.
	// store.PublicFeedRowsSQL); Stmts is then unused.
	Query func(r *Req) (string, []any)
}

// Stmt is one statement of a sequence (see queries.go).
type Stmt struct {
	SQL  string
	Args func(r *Req) []any
}

// Req is the state of one raw request: the fixtures, the (user, post) pair
// of like and unlike, and what each statement returned so far.
type Req struct {
	Fx       *Fixtures
	Pair     Pair
	rows     [][][]any
	affected []int64
}

// Col returns column col of statement stmt's first max rows (max < 0: all)
// as strings.
func (r *Req) Col(stmt, col, max int) []string {
	rows := r.rows[stmt]
	if max >= 0 && len(rows) > max {
		rows = rows[:max]
	}
	out := make([]string, 0, len(rows))
	for _, row := range rows {
		if s, ok := row[col].(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// One returns column col of statement stmt's first row, or "".
func (r *Req) One(stmt, col int) string {
	if c := r.Col(stmt, col, 1); len(c) > 0 {
		return c[0]
	}
	return ""
}

// Affected is the number of rows statement stmt inserted, updated or deleted.
func (r *Req) Affected(stmt int) int64 { return r.affected[stmt] }

// fixed returns the same arguments for every request (never nil, which
// would skip the statement).
func fixed(args ...any) func(*Req) []any {
	if args == nil {
		args = []any{}
	}
	return func(*Req) []any { return args }
}

// ifRows runs args only when statement stmt returned rows.
func ifRows(stmt int, args func(*Req) []any) func(*Req) []any {
	return func(r *Req) []any {
		if len(r.rows[stmt]) == 0 {
			return nil
		}
		return args(r)
	}
}

func orNil(id string) []any {
	if id == "" {
		return nil
	}
	return []any{id}
}

func nowMicros() int64 { return time.Now().UnixMicro() }

// nonEmpty drops empty ids but keeps repeats.
func nonEmpty(l []string) []string {
	var out []string
	for _, s := range l {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// bindSQL rebinds `?` to $1…$n and expands each `?*` to one placeholder per
// element of its []string argument. It returns ok false when such a list is
// empty (the store does not query then).
func bindSQL(q string, args []any) (string, []any, bool) {
	var b strings.Builder
	out := make([]any, 0, len(args))
	next := 0
	for i := 0; i < len(q); i++ {
		if q[i] != '?' {
			b.WriteByte(q[i])
			continue
		}
		if next >= len(args) {
			panic(fmt.Sprintf("feedload: too few arguments for %q", q))
		}
		arg := args[next]
		next++
		if i+1 < len(q) && q[i+1] == '*' {
			i++
			list := arg.([]string)
			if len(list) == 0 {
				return "", nil, false
			}
			for j, s := range list {
				if j > 0 {
					b.WriteString(", ")
				}
				out = append(out, s)
				b.WriteString("$" + strconv.Itoa(len(out)))
			}
			continue
		}
		out = append(out, arg)
		b.WriteString("$" + strconv.Itoa(len(out)))
	}
	if next != len(args) {
		panic(fmt.Sprintf("feedload: %d arguments for %d placeholders in %q", len(args), next, q))
	}
	return b.String(), out, true
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// runSeq executes one request's statements, decoding every row as the
// store scans them, and returns the first error.
func runSeq(ctx context.Context, pool *pgxpool.Pool, seq Seq, r *Req) error {
	stmts := seq.Stmts
	if seq.Query != nil {
		text, args := seq.Query(r)
		stmts = []Stmt{{SQL: text, Args: fixed(args...)}}
	}
	r.rows = make([][][]any, len(stmts))
	r.affected = make([]int64, len(stmts))
	var q querier = pool
	var tx pgx.Tx
	if seq.Tx {
		var err error
		if tx, err = pool.Begin(ctx); err != nil {
			return err
		}
		defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
		q = tx
	}
	for i, st := range stmts {
		args := st.Args(r)
		if args == nil {
			continue
		}
		sql, bound, ok := bindSQL(st.SQL, args)
		if !ok {
			continue
		}
		rows, err := q.Query(ctx, sql, bound...)
		if err != nil {
			return fmt.Errorf("statement %d: %w", i, err)
		}
		for rows.Next() {
			v, err := rows.Values()
			if err != nil {
				rows.Close()
				return fmt.Errorf("statement %d: %w", i, err)
			}
			r.rows[i] = append(r.rows[i], v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("statement %d: %w", i, err)
		}
		r.affected[i] = rows.CommandTag().RowsAffected()
	}
	if tx != nil {
		return tx.Commit(ctx)
	}
	return nil
}
