package main

import (
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/kira-art/kira/internal/app"
	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/hotcache"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

func TestFeatureRejectsBadFlags(t *testing.T) {
	t.Parallel()
	for want, args := range map[string][]string{
		"--feed":      {"feature"},
		"not a UUID":  {"feature", "--feed", "x"},
		"not defined": {"feature", "--bogus"},
	} {
		var out, errOut strings.Builder
		err := run(t.Context(), args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error()+errOut.String(), want) {
			t.Errorf("%v: error %v (stderr %q), want one mentioning %q", args, err, errOut.String(), want)
		}
	}
}

// TestFeatureCommand runs `kira feature` against a real database (SQLite,
// and Postgres when configured) and, with KIRA_TEST_REDIS_URL, checks the
// running servers are told through the invalidation channel. It sets
// environment variables, so it cannot run in parallel.
func TestFeatureCommand(t *testing.T) {
	legs := map[string]func(t *testing.T) string{"sqlite": func(*testing.T) string { return "" }}
	if os.Getenv(storetest.EnvDatabaseURL) != "" {
		legs["postgres"] = func(t *testing.T) string {
			u, err := storetest.SchemaURL(t)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
	}
	for name, dbURL := range legs {
		t.Run(name, func(t *testing.T) {
			t.Setenv("KIRA_DATA_DIR", t.TempDir())
			t.Setenv("DATABASE_URL", dbURL(t))
			t.Setenv("REDIS_URL", os.Getenv("KIRA_TEST_REDIS_URL"))
			featureCommandLeg(t)
		})
	}
}

func featureCommandLeg(t *testing.T) {
	ctx := t.Context()
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	st, err := app.OpenStore(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	uid := uuid.NewString()
	if _, _, err := st.EnsureProfile(ctx, uid, ""); err != nil {
		t.Fatal(err)
	}
	f, err := st.CreateFeed(ctx, store.Feed{ID: uuid.NewString(), UserID: uid, MediaKind: store.MediaImage,
		ImageID: "gen_" + uuid.NewString(), OriginImageID: "gen_" + uuid.NewString(), PublicKey: "p/" + uid + "/x.png"}, "")
	if err != nil {
		t.Fatal(err)
	}
	announced := subscribeInvalidations(t, cfg.RedisURL)
	featured := func() bool {
		feeds, err := st.FeaturedFeedRows(ctx, 50, "")
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(feeds, func(x store.FeedRow) bool { return x.ID == f.ID })
	}

	var out, errOut strings.Builder
	if err := run(ctx, []string{"feature", "--feed", f.ID}, &out, &errOut); err != nil {
		t.Fatalf("feature: %v (stderr %s)", err, errOut.String())
	}
	if !featured() || !strings.Contains(out.String(), "is featured") {
		t.Fatalf("not featured; stdout %q", out.String())
	}
	announced()
	out.Reset()
	if err := run(ctx, []string{"feature", "--feed", f.ID, "--off"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if featured() || !strings.Contains(out.String(), "no longer featured") {
		t.Fatalf("still featured; stdout %q", out.String())
	}
	announced()
	if err := run(ctx, []string{"feature", "--feed", uuid.NewString()}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "no post") {
		t.Fatalf("unknown post: %v", err)
	}
}

// subscribeInvalidations listens on the servers' channel and returns a
// check that the next message invalidates the featured page; without
// Redis the check is a no-op (nothing can reach the servers).
func subscribeInvalidations(t *testing.T, redisURL string) func() {
	if redisURL == "" {
		return func() {}
	}
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	ps := c.Subscribe(t.Context(), hotcache.DefaultChannel)
	t.Cleanup(func() { ps.Close() })
	if _, err := ps.Receive(t.Context()); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			m, err := ps.ReceiveTimeout(t.Context(), time.Until(deadline))
			if err != nil {
				t.Fatalf("no invalidation published: %v", err)
			}
			// Other processes may share the channel: wait for ours.
			if msg, ok := m.(*redis.Message); ok && strings.HasSuffix(msg.Payload, " "+hotcache.TopicFeatured) {
				return
			}
		}
		t.Fatal("no featured invalidation published")
	}
}
