package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kira-art/kira/internal/auth"
)

// Fixtures are the ids the routes ask for, chosen from the database once.
type Fixtures struct {
	User   string // the user with the median number of posts (among users with threads)
	Thread string // that user's thread with the median number of messages
	FeedID string // a public image post, 1,000 posts deep
	Deep   Cursor // the last post before -depth
	Pairs  []Pair // fresh (user, post) likes: the users never liked the posts

	tokens map[string]string // user id → bearer token
}

// Cursor is a keyset position in the feed.
type Cursor struct {
	Micros int64
	ID     string
}

// encodeCursor is GET /feed/'s nextCursor: base64url, without padding, of
// "<created_at micros>.<feed id>" (httpapi.feedCursorOf).
func encodeCursor(c Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.Micros, 10) + "." + c.ID))
}

// Pair is one like: User likes Feed.
type Pair struct{ User, Feed string }

// loadFixtures picks the fixtures; likeUsers × likePosts bounds the likes
// a run can give.
func loadFixtures(ctx context.Context, pool *pgxpool.Pool, depth, likeUsers, likePosts int) (*Fixtures, error) {
	fx := &Fixtures{tokens: map[string]string{}}
	steps := []struct {
		what string
		sql  string
		args []any
		dst  []any
	}{
		{"median user", `WITH c AS (SELECT f.user_id, count(*) n FROM feeds f
			WHERE EXISTS (SELECT 1 FROM threads t WHERE t.user_id = f.user_id) GROUP BY f.user_id)
			SELECT user_id FROM c ORDER BY n, user_id OFFSET (SELECT count(*) / 2 FROM c) LIMIT 1`, nil, []any{&fx.User}},
		{"post for /feed/{id}", `SELECT id FROM feeds WHERE is_public AND media_kind = 'image'
			ORDER BY created_at DESC, id DESC OFFSET 1000 LIMIT 1`, nil, []any{&fx.FeedID}},
		{"deep cursor", `SELECT created_at, id FROM feeds WHERE is_public
			ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1`, []any{max(depth-1, 0)}, []any{&fx.Deep.Micros, &fx.Deep.ID}},
	}
	for _, s := range steps {
		if err := pool.QueryRow(ctx, s.sql, s.args...).Scan(s.dst...); err != nil {
			return nil, fmt.Errorf("%s: %w", s.what, err)
		}
	}
	err := pool.QueryRow(ctx, `WITH c AS (SELECT t.id, (SELECT count(*) FROM messages m WHERE m.thread_id = t.id) n
		FROM threads t WHERE t.user_id = $1)
		SELECT id FROM c ORDER BY n, id OFFSET (SELECT count(*) / 2 FROM c) LIMIT 1`, fx.User).Scan(&fx.Thread)
	if err != nil {
		return nil, fmt.Errorf("median thread: %w", err)
	}
	fx.Pairs, err = likePairs(ctx, pool, likeUsers, likePosts)
	return fx, err
}

// likePairs pairs users with public posts nobody likes yet, the post
// changing fastest, so concurrent likes rarely wait for one post's row lock.
func likePairs(ctx context.Context, pool *pgxpool.Pool, nUsers, nPosts int) ([]Pair, error) {
	users, err := ids(ctx, pool, "SELECT id FROM profiles WHERE NOT banned ORDER BY id LIMIT $1", nUsers)
	if err != nil {
		return nil, fmt.Errorf("like users: %w", err)
	}
	// liked_number = 0 means no like row (the store keeps them equal).
	posts, err := ids(ctx, pool, "SELECT id FROM feeds WHERE is_public AND liked_number = 0 LIMIT $1", nPosts)
	if err != nil {
		return nil, fmt.Errorf("like posts: %w", err)
	}
	out := make([]Pair, 0, len(users)*len(posts))
	for _, u := range users {
		for _, p := range posts {
			out = append(out, Pair{User: u, Feed: p})
		}
	}
	return out, nil
}

func ids(ctx context.Context, pool *pgxpool.Pool, sql string, args ...any) ([]string, error) {
	rows, err := pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// mintTokens signs a token for the fixture user and every like user with
// the development key in dataDir, the server's KIRA_DATA_DIR. The key must
// exist already: a new one would not be the server's.
func (fx *Fixtures) mintTokens(dataDir string) error {
	if _, err := os.Stat(filepath.Join(dataDir, auth.DevKeyFileName)); err != nil {
		return fmt.Errorf("dev key: %w (start kira serve with KIRA_DATA_DIR=%s first)", err, dataDir)
	}
	key, err := auth.LoadOrCreateDevKey(dataDir)
	if err != nil {
		return err
	}
	users := []string{fx.User}
	for i, p := range fx.Pairs {
		if i == 0 || p.User != fx.Pairs[i-1].User {
			users = append(users, p.User)
		}
	}
	for _, u := range users {
		if fx.tokens[u] != "" {
			continue
		}
		if fx.tokens[u], err = key.Mint(u, "", 6*time.Hour, ""); err != nil {
			return err
		}
	}
	return nil
}

// pairQueue hands out like pairs in order: like takes fresh pairs, unlike
// takes back the pairs like gave, in the same order.
type pairQueue struct {
	pairs []Pair
	next  atomic.Int64
	limit atomic.Int64 // pairs available to take
}

// take returns the next pair, or false when the queue is exhausted.
func (q *pairQueue) take() (Pair, bool) {
	for {
		i := q.next.Load()
		if i >= q.limit.Load() || i >= int64(len(q.pairs)) {
			return Pair{}, false
		}
		if q.next.CompareAndSwap(i, i+1) {
			return q.pairs[i], true
		}
	}
}

// taken is the number of pairs handed out.
func (q *pairQueue) taken() int64 { return q.next.Load() }
