// Package seed fills a database with realistic demo data: users with
// profiles and avatars, threads with messages and versions whose images,
// videos and songs are real files, public posts across media kinds, and
// likes whose counts match liked_number. It is how demos and benchmarks
// get data (`kira seed`).
//
// Rows are generated in Go as the store's row types and written through the
// store's bulk API (store.BulkInsert: COPY on Postgres, multi-row INSERTs on
// SQLite), one transaction per chunk of users, with generation of the next
// chunk overlapping the write of the previous one. Files come from
// a small pool of rendered media shared by many rows, so a million posts
// take a few megabytes of disk.
package seed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/view"
)

// Options size and shape a run.
type Options struct {
	Users          int
	Posts          int
	ThreadsPerUser int
	LikesMean      float64   // average likes of a public post
	Images         bool      // render the media pool into the blob store (false: rows only)
	PoolSize       int       // distinct images rendered
	Seed           uint64    // same seed and options → same ids, texts and relative times
	End            time.Time // the newest timestamp; activity spans the year before it
	Progress       io.Writer // progress bars; nil = silent
}

// Stats counts what a run wrote.
type Stats struct {
	Users, Posts, Likes, Rows int
	Elapsed                   time.Duration
}

// Validate checks the options and fills defaults.
func (o *Options) Validate() error {
	if o.ThreadsPerUser == 0 {
		o.ThreadsPerUser = 3
	}
	if o.PoolSize == 0 {
		o.PoolSize = 200
	}
	if o.End.IsZero() {
		o.End = time.Now()
	}
	o.End = o.End.UTC().Truncate(time.Microsecond)
	var errs []error
	if o.Users < 2 {
		errs = append(errs, errors.New("--users must be at least 2 (posts get likes from other users)"))
	}
	if o.Posts < 0 || o.ThreadsPerUser < 1 || o.PoolSize < 1 || o.LikesMean < 0 {
		errs = append(errs, errors.New("--posts, --likes-mean must be ≥ 0; --threads-per-user, --pool ≥ 1"))
	}
	return errors.Join(errs...)
}

// Run generates and writes the data. st must be migrated; blobs receives
// the media pool when o.Images is set.
func Run(ctx context.Context, st *store.Store, blobs blob.Store, o Options) (Stats, error) {
	if err := o.Validate(); err != nil {
		return Stats{}, err
	}
	began := time.Now()
	if err := checkFresh(ctx, st, o); err != nil { // before minutes of rendering
		return Stats{}, err
	}
	bar := newProgress(o.Progress, "media", o.PoolSize)
	p, err := buildPool(ctx, blobs, o.Seed, o.PoolSize, o.Images, bar.add)
	bar.done()
	if err != nil {
		return Stats{}, fmt.Errorf("media pool: %w", err)
	}
	w := newWorld(o, p)
	w.views = view.New(blobs)
	stats := Stats{Users: o.Users}
	// Postgres loads on several connections; SQLite has a single writer.
	writers := 1
	if st.Dialect() == store.Postgres {
		writers = 2
	}

	bar = newProgress(o.Progress, "users", o.Users)
	for from := 0; from < o.Users; from += usersPerChunk {
		b := &store.BulkRows{}
		to := min(o.Users, from+usersPerChunk)
		w.profiles(b, from, to)
		stats.Rows += b.Len()
		if err := st.BulkInsert(ctx, b); err != nil {
			return stats, fmt.Errorf("write users: %w", err)
		}
		bar.add(to - from)
	}
	bar.done()
	w.assignPosts()

	bar = newProgress(o.Progress, "posts", o.Posts)
	var mu sync.Mutex // guards stats across writers
	err = pipeline(ctx, writers, func(emit func(chunk) error) error {
		c := chunk{b: &store.BulkRows{}}
		for i := range w.users {
			posts, likes := w.userContent(c.b, &w.users[i])
			c.posts, c.likes = c.posts+posts, c.likes+likes
			if c.posts >= postsPerChunk || c.b.Len() >= rowsPerChunk || i == len(w.users)-1 {
				if err := emit(c); err != nil {
					return err
				}
				c = chunk{b: &store.BulkRows{}}
			}
		}
		return nil
	}, func(c chunk) error {
		if err := st.BulkInsert(ctx, c.b); err != nil {
			return fmt.Errorf("write posts: %w", err)
		}
		mu.Lock()
		stats.Posts, stats.Likes, stats.Rows = stats.Posts+c.posts, stats.Likes+c.likes, stats.Rows+c.b.Len()
		mu.Unlock()
		bar.add(c.posts)
		return nil
	})
	bar.done()
	if err == nil {
		err = st.AnalyzeBulkTables(ctx)
	}
	stats.Elapsed = time.Since(began)
	return stats, err
}

// Chunk sizes: big enough that per-transaction costs vanish, small enough
// to keep memory flat (a chunk is a few megabytes of rows).
const (
	usersPerChunk = 5000
	postsPerChunk = 5000
	rowsPerChunk  = 40000
)

// chunk is a batch of generated rows with what it counts for progress.
type chunk struct {
	b            *store.BulkRows
	posts, likes int
}

// pipeline runs generate and write concurrently: the generator builds the
// next chunks while up to `writers` connections store earlier ones. Chunks
// are independent (likes point at profiles, written first, and at posts of
// their own chunk), so they may commit in any order; generation stays
// sequential in one goroutine, so the output stays deterministic.
func pipeline(ctx context.Context, writers int, generate func(emit func(chunk) error) error, write func(chunk) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan chunk, writers)
	genErr := make(chan error, 1)
	go func() {
		defer close(ch)
		genErr <- generate(func(c chunk) error {
			select {
			case ch <- c:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for range writers {
		wg.Go(func() {
			for c := range ch {
				if ctx.Err() != nil {
					continue // drain: the generator stops at the cancel
				}
				if err := write(c); err != nil {
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
					cancel()
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return <-genErr
}

// checkFresh refuses to seed twice with the same seed value into one
// database: the ids would collide half-way through.
func checkFresh(ctx context.Context, st *store.Store, o Options) error {
	first := newUUID(newWorld(o, nil).r) // the first user's id, drawn as profiles() will
	_, err := st.GetProfile(ctx, first)
	switch {
	case err == nil:
		return fmt.Errorf("this database already holds data seeded with --seed-value %d; use another seed value or a fresh database", o.Seed)
	case !errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("check database: %w", err)
	}
	return nil
}
