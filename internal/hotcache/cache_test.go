package hotcache

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestStalenessBound: an entry is served until MaxAge after its fill
// started reading, never at or after it.
func TestStalenessBound(t *testing.T) {
	t.Parallel()
	fill, n := counting()
	clk := newClock()
	c, err := New(nil, Options[page]{MaxAge: time.Second, Encode: encodeJSON, Now: clk.Now,
		Fill: func(ctx context.Context, key string) (page, error) {
			p, err := fill(ctx, key)
			clk.advance(300 * time.Millisecond) // a slow read: age counts from its start
			return p, err
		}})
	if err != nil {
		t.Fatal(err)
	}
	if v := mustGet(t, c, "k").Value.Version; v != 1 {
		t.Fatalf("first read version %d", v)
	}
	clk.advance(699 * time.Millisecond) // 999 ms after the fill started
	if v := mustGet(t, c, "k").Value.Version; v != 1 {
		t.Fatalf("version %d before max age", v)
	}
	clk.advance(time.Millisecond) // exactly 1 s
	if v := mustGet(t, c, "k").Value.Version; v != 2 {
		t.Fatalf("version %d at max age, want a refill", v)
	}
	if n.Load() != 2 {
		t.Fatalf("%d fills", n.Load())
	}
	if s := c.Stats(); s.Hits != 1 || s.Misses != 2 || s.Fills != 2 {
		t.Fatalf("stats %+v", s)
	}
}

// TestSingleflight: many concurrent misses of one key cause one fill.
func TestSingleflight(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	fill, n := counting()
	c, _ := newPageCache(t, nil, func(ctx context.Context, key string) (page, error) {
		<-release
		return fill(ctx, key)
	})
	const readers = 64
	var wg sync.WaitGroup
	versions := make([]int, readers)
	for i := range readers {
		wg.Go(func() { versions[i] = mustGet(t, c, "k").Value.Version })
	}
	eventually(t, "every reader to miss", func() bool { return c.Stats().Misses == readers })
	close(release)
	wg.Wait()
	for i, v := range versions {
		if v != 1 {
			t.Fatalf("reader %d got version %d", i, v)
		}
	}
	if n.Load() != 1 || c.Stats().Fills != 1 {
		t.Fatalf("%d fills for %d concurrent misses, want 1", n.Load(), readers)
	}
}

// TestInvalidateDuringFill: a fill overtaken by an invalidation serves the
// readers already waiting for it but is not stored, and a reader arriving
// after the invalidation does not join it.
func TestInvalidateDuringFill(t *testing.T) {
	t.Parallel()
	inv := NewMemory()
	entered := make(chan int, 2)
	release := map[int]chan struct{}{1: make(chan struct{}), 2: make(chan struct{})}
	fill, _ := counting()
	c, _ := newPageCache(t, inv, func(ctx context.Context, key string) (page, error) {
		p, err := fill(ctx, key)
		entered <- p.Version
		<-release[p.Version]
		return p, err
	}, TopicFeed)

	first := make(chan int)
	go func() { first <- mustGet(t, c, "k").Value.Version }()
	if v := recv(t, entered); v != 1 {
		t.Fatalf("fill %d entered", v)
	}
	if err := inv.Invalidate(context.Background(), TopicFeed); err != nil {
		t.Fatal(err)
	}
	second := make(chan int)
	go func() { second <- mustGet(t, c, "k").Value.Version }()
	if v := recv(t, entered); v != 2 {
		t.Fatalf("the reader after the invalidation joined the old fill (fill %d entered)", v)
	}
	close(release[1])
	if v := recv(t, first); v != 1 {
		t.Fatalf("first reader got %d", v)
	}
	if c.Len() != 0 || c.Stats().Discarded != 1 {
		t.Fatalf("overtaken fill stored: len %d, stats %+v", c.Len(), c.Stats())
	}
	close(release[2])
	if v := recv(t, second); v != 2 {
		t.Fatalf("second reader got %d", v)
	}
	if v := mustGet(t, c, "k").Value.Version; v != 2 {
		t.Fatalf("stored version %d, want the fill started after the invalidation", v)
	}
}

// TestTopics: an invalidation drops the caches of its topics only, and
// "all" (a lost subscription) drops every cache.
func TestTopics(t *testing.T) {
	t.Parallel()
	inv := NewMemory()
	fillA, _ := counting()
	fillB, _ := counting()
	feed, _ := newPageCache(t, inv, fillA, TopicFeed, TopicFeatured)
	cms, _ := newPageCache(t, inv, fillB, TopicCMS)
	mustGet(t, feed, "k")
	mustGet(t, cms, "en")
	inv.Invalidate(context.Background(), TopicFeatured, "unknown") //nolint:errcheck
	if v := mustGet(t, feed, "k").Value.Version; v != 2 {
		t.Fatalf("feed version %d after its topic changed", v)
	}
	if v := mustGet(t, cms, "en").Value.Version; v != 1 {
		t.Fatalf("cms version %d after another topic changed", v)
	}
	inv.Invalidate(context.Background()) //nolint:errcheck // no topics: nothing
	inv.local.apply(nil, true)
	if mustGet(t, feed, "k").Value.Version != 3 || mustGet(t, cms, "en").Value.Version != 2 {
		t.Fatal("invalidating everything missed a cache")
	}
}

func TestErrorsAreNotCached(t *testing.T) {
	t.Parallel()
	fail := true
	var calls int
	c, _ := newPageCache(t, nil, func(context.Context, string) (page, error) {
		calls++
		if fail {
			return page{}, errors.New("database down")
		}
		return page{Version: calls}, nil
	})
	if _, err := c.Get(context.Background(), "k"); err == nil {
		t.Fatal("fill error swallowed")
	}
	fail = false
	if v := mustGet(t, c, "k").Value.Version; v != 2 {
		t.Fatalf("version %d: the error was cached", v)
	}
}

func TestFillPanicIsAnError(t *testing.T) {
	t.Parallel()
	c, _ := newPageCache(t, nil, func(context.Context, string) (page, error) { panic("boom") })
	if _, err := c.Get(context.Background(), "k"); err == nil {
		t.Fatal("panic not reported")
	}
}

// TestWaiterCancellation: a reader that gives up does not cancel the fill
// the others share.
func TestWaiterCancellation(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var fillErr error
	c, _ := newPageCache(t, nil, func(ctx context.Context, _ string) (page, error) {
		<-release
		fillErr = ctx.Err()
		return page{Version: 1}, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := c.Get(ctx, "k")
		done <- err
	}()
	eventually(t, "the miss", func() bool { return c.Stats().Misses == 1 })
	other := make(chan int)
	go func() { other <- mustGet(t, c, "k").Value.Version }()
	eventually(t, "the second miss", func() bool { return c.Stats().Misses == 2 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled reader: %v", err)
	}
	close(release)
	if v := <-other; v != 1 || fillErr != nil {
		t.Fatalf("other reader got %d, fill saw %v", v, fillErr)
	}
}

func TestBoundedSize(t *testing.T) {
	t.Parallel()
	fill, _ := counting()
	c, err := New(nil, Options[page]{MaxAge: time.Minute, MaxEntries: 3, Fill: fill, Encode: encodeJSON})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		mustGet(t, c, strconv.Itoa(i))
		if c.Len() > 3 {
			t.Fatalf("%d entries, bound 3", c.Len())
		}
	}
	if s := c.Stats(); s.Evictions != 17 {
		t.Fatalf("stats %+v", s)
	}
}

func TestOptionsRequired(t *testing.T) {
	t.Parallel()
	fill, _ := counting()
	for name, o := range map[string]Options[page]{
		"no fill":   {MaxAge: time.Second, Encode: encodeJSON},
		"no encode": {MaxAge: time.Second, Fill: fill},
		"no maxage": {Fill: fill, Encode: encodeJSON},
	} {
		if _, err := New(nil, o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestEncodeErrorIsReported(t *testing.T) {
	t.Parallel()
	fill, _ := counting()
	c, _ := New(nil, Options[page]{MaxAge: time.Second, Fill: fill,
		Encode: func(page) ([]byte, error) { return nil, errors.New("unencodable") }})
	if _, err := c.Get(context.Background(), "k"); err == nil || c.Len() != 0 {
		t.Fatalf("encode error: %v, len %d", err, c.Len())
	}
}
