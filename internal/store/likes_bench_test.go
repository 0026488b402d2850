package store_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kira-art/kira/internal/store"
)

// likeTarget picks a public post and users who do not like it yet, so every
// like of the benchmark inserts a row (PUT /like of a new like) and the
// unlike after it puts the database back as it was.
func likeTarget(b *testing.B, s *store.Store, n int) (feedID string, users []string) {
	b.Helper()
	ctx := context.Background()
	feeds, err := feedsOf(s.PublicFeedRows(ctx, "", nil, 0, 1, ""))
	if err != nil || len(feeds) == 0 {
		b.Fatalf("no public post: %v", err)
	}
	pool, err := pgxpool.New(ctx, os.Getenv(envBenchDatabaseURL))
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	rows, err := pool.Query(ctx, `SELECT id FROM profiles p WHERE NOT EXISTS
		(SELECT 1 FROM likes l WHERE l.feed_id = $1 AND l.user_id = p.id) ORDER BY id LIMIT $2`, feeds[0].ID, n)
	if err == nil {
		users, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil || len(users) < n {
		b.Fatalf("users who do not like the post: %d, %v", len(users), err)
	}
	return feeds[0].ID, users
}

// BenchmarkLike is PUT then DELETE /like/:id (store side) against the same
// two statements on a raw pgx pool: the store's overhead over the limit.
// Parallel, as a server runs them; each goroutine is another user.
func BenchmarkLike(b *testing.B) {
	s, _ := openBench(b)
	feedID, users := likeTarget(b, s, 64)
	b.Run("store", func(b *testing.B) {
		next := make(chan string, len(users))
		for _, u := range users {
			next <- u
		}
		b.RunParallel(func(pb *testing.PB) {
			ctx, user := context.Background(), <-next
			for pb.Next() {
				if n, err := s.LikeFeed(ctx, feedID, user); err != nil || n < 1 {
					b.Fatalf("like: %d %v", n, err)
				}
				if _, err := s.UnlikeFeed(ctx, feedID, user); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("raw-pgx", func(b *testing.B) {
		ctx := context.Background()
		pool, err := pgxpool.New(ctx, os.Getenv(envBenchDatabaseURL))
		if err != nil {
			b.Fatal(err)
		}
		defer pool.Close()
		like, unlike := store.LikeSQLForBench()
		next := make(chan string, len(users))
		for _, u := range users {
			next <- u
		}
		b.RunParallel(func(pb *testing.PB) {
			user := <-next
			var n int
			for pb.Next() {
				if err := pool.QueryRow(ctx, like, feedID, user, time.Now().UnixMicro()).Scan(&n); err != nil || n < 1 {
					b.Fatalf("like: %d %v", n, err)
				}
				if err := pool.QueryRow(ctx, unlike, feedID, user).Scan(&n); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
