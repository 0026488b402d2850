package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/kira-art/kira/internal/store"
)

func main() {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, "postgres://postgres@127.0.0.1:5432/kira_bench?sslmode=disable")
	if err != nil {
		panic(err)
	}
	q, args := store.PublicFeedRowsSQL("", nil, 0, 21, "00000000-0000-0000-0000-000000000000")
	rows, err := c.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+q, args...)
	if err != nil {
		panic(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		fmt.Println(s)
	}
	_ = strings.TrimSpace
}
