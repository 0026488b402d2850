package store

import (
	"context"
	"fmt"
)

// CountForTest runs a SELECT COUNT(*)-like query and returns its number.
func (s *Store) CountForTest(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := s.reader().row(ctx, query, args...).Scan(&n)
	return n, err
}

// ReferenceColumnsForTest lists every table with a column named one of
// cols, as table → the columns it has, from the live schema.
func (s *Store) ReferenceColumnsForTest(ctx context.Context, cols ...string) (map[string][]string, error) {
	q := `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'`
	if s.dialect == Postgres {
		q = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	}
	rows, err := s.reader().query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	defer rows.Close()
	want := map[string]bool{}
	for _, c := range cols {
		want[c] = true
	}
	out := map[string][]string{}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			return nil, err
		}
		if want[col] {
			out[table] = append(out[table], col)
		}
	}
	return out, rows.Err()
}
