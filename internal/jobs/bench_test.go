package jobs_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/kira-art/kira/internal/jobs"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// benchArgs is a trivial job carrying its enqueue time.
type benchArgs struct {
	At int64 `json:"at"` // UnixNano at insert
}

func (benchArgs) Kind() string { return "bench_noop" }

type benchWorker struct {
	river.WorkerDefaults[benchArgs]
	mu   sync.Mutex
	lat  []time.Duration
	done chan struct{}
	want int
}

func (w *benchWorker) Work(_ context.Context, j *river.Job[benchArgs]) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lat = append(w.lat, time.Since(time.Unix(0, j.Args.At)))
	if len(w.lat) == w.want {
		close(w.done)
	}
	return nil
}

// BenchmarkTrivialJobs measures River as kira runs it: each job inserted
// in a transaction of its own through the store (as tasks are), worked by
// a client on the store's worker pool with kira's poll settings. It
// reports jobs/s (insert to last completion) and enqueue-to-start p50/p99.
//
// burst inserts 1,000 jobs as fast as one inserter can (throughput);
// paced inserts one every 20 ms, so the latency is a quiet queue's pickup
// (SQLite polls every 200 ms; Postgres is told at once by LISTEN/NOTIFY).
func BenchmarkTrivialJobs(b *testing.B) {
	for _, be := range storetest.Backends() {
		for _, c := range []struct {
			name string
			n    int
			gap  time.Duration
		}{{"burst", 1000, 0}, {"paced", 100, 20 * time.Millisecond}} {
			b.Run(be.Name+"/"+c.name, func(b *testing.B) {
				st := be.Open(b)
				for range b.N {
					runTrivial(b, st, c.n, c.gap)
				}
			})
		}
	}
}

func runTrivial(b *testing.B, st *store.Store, n int, gap time.Duration) {
	b.Helper()
	ctx := context.Background()
	w := &benchWorker{done: make(chan struct{}), want: n}
	ws := river.NewWorkers()
	river.AddWorker(ws, w)
	poll, cooldown := jobs.FetchSettings(st.Dialect())
	cfg := &river.Config{Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 100}}, Workers: ws,
		FetchPollInterval: poll, FetchCooldown: cooldown, Logger: slog.New(slog.DiscardHandler)}
	var start, stop func(context.Context) error
	if pg, db := st.WorkerPool(); pg != nil {
		c, err := river.NewClient(riverpgxv5.New(pg), cfg)
		if err != nil {
			b.Fatal(err)
		}
		start, stop = c.Start, c.Stop
	} else {
		c, err := river.NewClient(riversqlite.New(db), cfg)
		if err != nil {
			b.Fatal(err)
		}
		start, stop = c.Start, c.Stop
	}
	if err := start(ctx); err != nil {
		b.Fatal(err)
	}
	defer stop(ctx) //nolint:errcheck
	t0 := time.Now()
	for range n {
		if err := st.Enqueue(ctx, benchArgs{At: time.Now().UnixNano()}); err != nil {
			b.Fatal(err)
		}
		if gap > 0 {
			time.Sleep(gap)
		}
	}
	select {
	case <-w.done:
	case <-time.After(2 * time.Minute):
		b.Fatalf("only %d of %d jobs ran", len(w.lat), n)
	}
	elapsed := time.Since(t0)
	sort.Slice(w.lat, func(i, j int) bool { return w.lat[i] < w.lat[j] })
	b.ReportMetric(float64(n)/elapsed.Seconds(), "jobs/s")
	b.ReportMetric(float64(w.lat[n/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(w.lat[n*99/100].Microseconds())/1000, "p99-ms")
	if os.Getenv("KIRA_BENCH_VERBOSE") != "" {
		fmt.Printf("%s: %d jobs in %s\n", st.Dialect(), n, elapsed)
	}
}
