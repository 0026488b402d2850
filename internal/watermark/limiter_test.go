package watermark

import (
	"context"
	"errors"
	"image"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLimiterCapsConcurrency(t *testing.T) {
	t.Parallel()
	lim := NewLimiter(2, time.Minute)
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			release, err := lim.Acquire(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			defer release()
			n := running.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(5 * time.Millisecond) // hold the slot so others queue
			running.Add(-1)
		})
	}
	wg.Wait()
	if p := peak.Load(); p != 2 {
		t.Errorf("peak concurrency %d, want 2", p)
	}
	if lim.Running() != 0 {
		t.Errorf("%d slots still taken", lim.Running())
	}
}

func TestLimiterBusyAndCancel(t *testing.T) {
	t.Parallel()
	lim := NewLimiter(0, 20*time.Millisecond) // 0 means 1
	release, err := lim.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lim.Acquire(context.Background()); !errors.Is(err, ErrBusy) {
		t.Errorf("full limiter: %v, want ErrBusy", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := lim.Acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: %v, want context.Canceled", err)
	}
	slow := NewLimiter(1, time.Hour)
	hold, _ := slow.Acquire(context.Background())
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := slow.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ctx ending while waiting: %v, want DeadlineExceeded", err)
	}
	hold()
	release()
	again, err := lim.Acquire(context.Background())
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again()
}

// FuzzMarkRect checks the placement invariants for any sizes: the mark is
// inside the picture, non-empty, and in its bottom-right quadrant-ish
// corner (touching neither the top nor the left edge unless it must).
func FuzzMarkRect(f *testing.F) {
	f.Add(1024, 768, 367, 185)
	f.Add(1, 1, 1, 1)
	f.Add(16, 16, 367, 185)
	f.Add(10000, 3, 5, 500)
	f.Fuzz(func(t *testing.T, w, h, lw, lh int) {
		if w <= 0 || h <= 0 || lw <= 0 || lh <= 0 || w > 1<<16 || h > 1<<16 || lw > 1<<16 || lh > 1<<16 {
			return
		}
		img := image.Rect(0, 0, w, h)
		r := MarkRect(img.Size(), image.Pt(lw, lh))
		if r.Empty() || !r.In(img) {
			t.Fatalf("MarkRect(%dx%d, logo %dx%d) = %v", w, h, lw, lh, r)
		}
		if w >= 4*minMarkWidth && h >= 4*minMarkWidth && lw >= lh && (r.Min.X < w/2 || r.Max.X == w) {
			t.Fatalf("MarkRect(%dx%d, logo %dx%d) = %v not inset at the right", w, h, lw, lh, r)
		}
	})
}
