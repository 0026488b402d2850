package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/kira-art/kira/internal/app"
	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/seed"
)

// seedCmd fills the configured database (migrated first) with demo data.
func seedCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o seed.Options
	fs.IntVar(&o.Users, "users", 100, "number of users")
	fs.IntVar(&o.Posts, "posts", 1000, "number of posts (published images, videos and songs)")
	fs.IntVar(&o.ThreadsPerUser, "threads-per-user", 3, "threads per user; posts come from turns in them")
	fs.BoolVar(&o.Images, "images", true, "render the media pool into $KIRA_DATA_DIR/blobs (--images=false: rows only)")
	fs.IntVar(&o.PoolSize, "pool", 200, "distinct rendered images shared by all rows")
	fs.Float64Var(&o.LikesMean, "likes-mean", 3, "average likes per public post")
	fs.Uint64Var(&o.Seed, "seed-value", 1, "random seed: the same value and flags give the same data")
	end := fs.String("end", "", "newest timestamp, RFC 3339 (default now; set it for identical timestamps across runs)")
	quiet := fs.Bool("quiet", false, "no progress bars")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *end != "" {
		t, err := time.Parse(time.RFC3339, *end)
		if err != nil {
			return fmt.Errorf("seed: --end: %w", err)
		}
		o.End = t
	}
	if err := o.Validate(); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if !*quiet {
		o.Progress = stderr
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	st, err := app.OpenStore(ctx, cfg, newLogger(stderr, cfg.SlogLevel())) // applies pending migrations
	if err != nil {
		return err
	}
	defer st.Close()
	blobs, err := app.OpenBlobs(cfg)
	if err != nil {
		return err
	}
	stats, err := seed.Run(ctx, st, blobs, o)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintf(stdout, "seeded %s: %d users, %d posts, %d likes, %d rows in %s\n", st.Dialect(), stats.Users, stats.Posts,
		stats.Likes, stats.Rows, stats.Elapsed.Round(time.Millisecond))
	return nil
}
