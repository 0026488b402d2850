package runs

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// benchChunk is a typical text-delta chunk (~100 bytes).
var benchChunk = []byte(`{"type":"text-delta","id":"txt-0f3a9c","delta":"a few tokens of a streamed reply, "}`)

// BenchmarkLogThroughput measures chunks per second through Append and one
// Tail on another instance, for one run (a single producer, bound by the
// round trip per append) and for 16 concurrent runs (aggregate).
func BenchmarkLogThroughput(b *testing.B) {
	for _, bc := range backendCases() {
		for _, runs := range []int{1, 16} {
			b.Run(bc.name+"/runs="+strconv.Itoa(runs), func(b *testing.B) {
				producer, viewer := bc.open(b, time.Minute)
				per := (b.N + runs - 1) / runs
				var wg sync.WaitGroup
				start := make(chan struct{})
				for range runs {
					run := randomID()
					sub := startRun(b, producer, viewer, run)
					wg.Go(func() {
						<-start
						pump(b, producer, sub, run, per)
					})
				}
				b.ResetTimer()
				close(start)
				wg.Wait()
				b.StopTimer()
				b.ReportMetric(float64(per*runs)/b.Elapsed().Seconds(), "chunks/s")
			})
		}
	}
}

// startRun appends the first chunk (the producer always writes start
// before anyone tails) and subscribes the viewer past it.
func startRun(b *testing.B, producer, viewer Backend, run string) *Subscription {
	b.Helper()
	ctx := context.Background()
	if _, err := producer.Append(ctx, run, benchChunk); err != nil {
		b.Fatal(err)
	}
	sub, err := viewer.Tail(ctx, run, "")
	if err != nil {
		b.Fatal(err)
	}
	<-sub.Events()
	return sub
}

// pump appends n chunks and closes the log while the viewer drains it, and
// returns once the viewer has seen the end.
func pump(b *testing.B, producer Backend, sub *Subscription, run string, n int) {
	ctx := context.Background()
	got := make(chan int)
	go func() {
		c := 0
		for range sub.Events() {
			c++
		}
		got <- c
	}()
	for range n {
		if _, err := producer.Append(ctx, run, benchChunk); err != nil {
			b.Error(err)
			return
		}
	}
	if err := producer.Close(ctx, run); err != nil {
		b.Error(err)
	}
	if c := <-got; c != n || sub.Err() != nil {
		b.Errorf("viewer got %d of %d chunks, err %v", c, n, sub.Err())
	}
}

// BenchmarkAppendToArrival measures the time from the start of Append to
// the chunk's arrival at a subscription on another instance, one chunk at
// a time (an idle system, not a saturated one), as p50 and p99.
func BenchmarkAppendToArrival(b *testing.B) {
	for _, bc := range backendCases() {
		b.Run(bc.name, func(b *testing.B) {
			producer, viewer := bc.open(b, time.Minute)
			ctx := context.Background()
			run := randomID()
			sub := startRun(b, producer, viewer, run)
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				if _, err := producer.Append(ctx, run, benchChunk); err != nil {
					b.Fatal(err)
				}
				<-sub.Events()
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(lat)
			q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e3 }
			b.ReportMetric(q(0.50), "p50-µs")
			b.ReportMetric(q(0.99), "p99-µs")
			b.ReportMetric(0, "ns/op") // the percentiles are the result
		})
	}
}
