package hotcache

import (
	"context"
	"slices"
	"sync"
	"testing"
)

// TestInvalidators runs one suite on every Invalidator: memory always,
// Redis when KIRA_TEST_REDIS_URL is set.
func TestInvalidators(t *testing.T) {
	t.Parallel()
	for _, ic := range invalidatorCases() {
		t.Run(ic.name, func(t *testing.T) {
			t.Parallel()
			invalidatorSuite(t, ic.open)
		})
	}
}

// recorder collects the invalidations an instance applied.
type recorder struct {
	mu  sync.Mutex
	got [][]string
	all int
}

func (r *recorder) listen(topics []string, all bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if all {
		r.all++
		return
	}
	r.got = append(r.got, slices.Clone(topics))
}

func (r *recorder) has(topics ...string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.ContainsFunc(r.got, func(g []string) bool { return slices.Equal(g, topics) })
}

func invalidatorSuite(t *testing.T, open opener) {
	ctx := context.Background()

	t.Run("applied locally before Invalidate returns", func(t *testing.T) {
		t.Parallel()
		a, _ := open(t)
		fill, _ := counting()
		c, _ := newPageCache(t, a, fill, TopicFeed)
		mustGet(t, c, "k")
		if err := a.Invalidate(ctx, TopicFeed); err != nil {
			t.Fatal(err)
		}
		if v := mustGet(t, c, "k").Value.Version; v != 2 {
			t.Fatalf("version %d right after a local invalidation", v)
		}
	})

	t.Run("an invalidation by A is applied by B", func(t *testing.T) {
		t.Parallel()
		a, b := open(t)
		fill, n := counting()
		c, _ := newPageCache(t, b, fill, TopicFeed)
		mustGet(t, c, "k")
		if err := a.Invalidate(ctx, TopicFeatured, TopicFeed); err != nil {
			t.Fatal(err)
		}
		eventually(t, "B to drop its entry", func() bool { return mustGet(t, c, "k").Value.Version == 2 })
		if n.Load() != 2 {
			t.Fatalf("%d fills", n.Load())
		}
	})

	t.Run("topics arrive intact and once", func(t *testing.T) {
		t.Parallel()
		a, b := open(t)
		var ra, rb recorder
		a.OnInvalidate(ra.listen)
		b.OnInvalidate(rb.listen)
		if err := a.Invalidate(ctx, TopicFeed, TopicUsers); err != nil {
			t.Fatal(err)
		}
		if err := b.Invalidate(ctx, TopicCMS); err != nil {
			t.Fatal(err)
		}
		eventually(t, "both announcements everywhere", func() bool {
			return ra.has(TopicFeed, TopicUsers) && ra.has(TopicCMS) && rb.has(TopicFeed, TopicUsers) && rb.has(TopicCMS)
		})
		// A marker sent last: once it is in, anything duplicated
		// before it would be too.
		if err := a.Invalidate(ctx, "marker"); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the marker", func() bool { return rb.has("marker") && ra.has("marker") })
		for _, r := range []*recorder{&ra, &rb} {
			r.mu.Lock()
			if len(r.got) != 3 {
				t.Errorf("applied %v, want each invalidation once", r.got)
			}
			r.mu.Unlock()
		}
	})

	t.Run("other topics leave B's cache alone", func(t *testing.T) {
		t.Parallel()
		a, b := open(t)
		var rb recorder
		b.OnInvalidate(rb.listen)
		fill, _ := counting()
		c, _ := newPageCache(t, b, fill, TopicCMS)
		mustGet(t, c, "en")
		if err := a.Invalidate(ctx, TopicFeed); err != nil {
			t.Fatal(err)
		}
		eventually(t, "B to hear it", func() bool { return rb.has(TopicFeed) })
		if v := mustGet(t, c, "en").Value.Version; v != 1 {
			t.Fatalf("version %d after an unrelated topic", v)
		}
	})

	t.Run("no topics is no invalidation", func(t *testing.T) {
		t.Parallel()
		a, _ := open(t)
		var ra recorder
		a.OnInvalidate(ra.listen)
		if err := a.Invalidate(ctx); err != nil {
			t.Fatal(err)
		}
		if ra.has() || ra.all != 0 {
			t.Fatal("empty invalidation applied")
		}
	})

	t.Run("Stop is idempotent and local invalidation survives it", func(t *testing.T) {
		t.Parallel()
		a, _ := open(t)
		fill, _ := counting()
		c, _ := newPageCache(t, a, fill, TopicFeed)
		mustGet(t, c, "k")
		if err := a.Stop(); err != nil {
			t.Fatal(err)
		}
		if err := a.Stop(); err != nil {
			t.Fatal(err)
		}
		a.Invalidate(ctx, TopicFeed) //nolint:errcheck // a publish error would be fine here
		if v := mustGet(t, c, "k").Value.Version; v != 2 {
			t.Fatalf("version %d", v)
		}
	})
}
