package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/kira-art/kira/internal/app"
	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/hotcache"
	"github.com/kira-art/kira/internal/store"
)

// feature marks a post as featured (or not, with --off): what GET
// /feed/featured shows is an editorial choice, made here or through
// PUT/DELETE /feed/{id}/featured.
func feature(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("feature", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("feed", "", "post id (UUID), required")
	off := fs.Bool("off", false, "stop featuring the post")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *id == "" {
		return errors.New("feature: --feed <uuid> is required")
	}
	if _, err := uuid.Parse(*id); err != nil {
		return fmt.Errorf("feature: --feed %q is not a UUID", *id)
	}
	cfg, st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetFeedFeatured(ctx, *id, !*off); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("feature: no post %s", *id)
		}
		return fmt.Errorf("feature: %w", err)
	}
	state := "featured"
	if *off {
		state = "no longer featured"
	}
	fmt.Fprintf(stdout, "post %s is %s\n", *id, state)
	announceFeatured(ctx, cfg, stderr)
	return nil
}

// announceFeatured tells running servers to drop their featured page.
// Only Redis reaches them from this process; without it (or when the
// publish fails) they show the change once their cached page expires.
func announceFeatured(ctx context.Context, cfg config.Config, stderr io.Writer) {
	if cfg.RedisURL == "" {
		fmt.Fprintln(stderr, "note: no REDIS_URL, so running servers show the change when their cached featured page expires")
		return
	}
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		fmt.Fprintf(stderr, "warning: REDIS_URL: %v; servers show the change when their cache expires\n", err)
		return
	}
	client := redis.NewClient(opts)
	defer client.Close()
	inv := hotcache.NewRedis(client, app.CacheChannel(cfg), newLogger(io.Discard, cfg.SlogLevel()))
	if err := inv.Invalidate(ctx, hotcache.TopicFeatured); err != nil {
		fmt.Fprintf(stderr, "warning: %v; servers show the change when their cache expires\n", err)
	}
}
