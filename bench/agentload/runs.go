package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"time"

	"github.com/kira-art/kira/bench/internal/loadkit"
)

// runResult is one run as its POST stream saw it.
type runResult struct {
	total     time.Duration // from sending the POST to [DONE]
	firstText time.Duration // from sending the POST to the first text-delta
	image     bool          // a tool-output-available chunk arrived
	err       error         // transport failure, or an error / tool-output-error chunk
}

// batchResult is K runs started at once.
type batchResult struct {
	runs []runResult
	wall time.Duration
	cpu  time.Duration // process CPU time used during the batch
}

// runRuns starts K runs at once for each K and prints completion times.
func runRuns(ctx context.Context, o options) error {
	srv, err := startServer(ctx, o.delay)
	if err != nil {
		return err
	}
	defer srv.stop()
	c := newClient(srv.url, srv.key)
	fmt.Printf("# agentload -mode runs: LLM_TOKEN_DELAY=%s, GOMAXPROCS=%d, %s, %s\n\n",
		o.delay, runtime.GOMAXPROCS(0), runtime.Version(), time.Now().UTC().Format(time.RFC3339))
	fmt.Println("| K | wall | runs/s | p50 | p99 | max | first text p50 | first text p99 | CPU s/run | cores busy | images | failed |")
	fmt.Println("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	stop, err := startCPUProfile(o.cpuProf)
	if err != nil {
		return err
	}
	defer stop()
	for _, k := range o.ks {
		b, err := measureBatch(ctx, c, k, o.conc)
		if err != nil {
			return fmt.Errorf("batch K=%d: %w", k, err)
		}
		printBatch(k, b)
	}
	return nil
}

// startCPUProfile profiles the process into path ("" = no profile) until
// the returned function is called. Setting up the threads is included.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// measureBatch creates k sessions, waits until the server is quiet (thread
// titles written), then starts k runs at the same moment and follows each
// to its end.
func measureBatch(ctx context.Context, c *client, k, conc int) (batchResult, error) {
	sessions := make([]session, k)
	err := loadkit.ForEach(ctx, k, conc, func(ctx context.Context, i int) (err error) {
		sessions[i], err = c.newSession(ctx)
		return err
	})
	if err != nil {
		return batchResult{}, err
	}
	waitQuiet(ctx, 20*time.Second)
	gate := make(chan struct{})
	res := make([]runResult, k)
	var wg sync.WaitGroup
	for i := range sessions {
		wg.Go(func() { <-gate; res[i] = timedRun(ctx, c, sessions[i]) })
	}
	cpu0, t0 := cpuTime(), time.Now()
	close(gate)
	wg.Wait()
	b := batchResult{runs: res, wall: time.Since(t0), cpu: cpuTime() - cpu0}
	c.http.CloseIdleConnections()
	return b, ctx.Err()
}

// timedRun starts one run and reads its stream to the end.
func timedRun(ctx context.Context, c *client, s session) runResult {
	t0 := time.Now()
	resp, err := c.startRun(ctx, s)
	if err != nil {
		return runResult{err: err, total: time.Since(t0)}
	}
	defer resp.Body.Close()
	var r runResult
	rd := loadkit.NewSSE(resp.Body)
	for {
		data, err := rd.Next()
		if errors.Is(err, io.EOF) || data == "[DONE]" {
			break
		}
		if err != nil {
			r.err = err
			break
		}
		r.observe(loadkit.ChunkType(data), data, time.Since(t0))
	}
	r.total = time.Since(t0)
	return r
}

// observe records what one chunk says about the run.
func (r *runResult) observe(typ, data string, at time.Duration) {
	switch typ {
	case "text-delta":
		if r.firstText == 0 {
			r.firstText = at
		}
	case "tool-output-available":
		r.image = true
	case "error", "tool-output-error":
		r.err = fmt.Errorf("chunk: %.200s", data)
	}
}

// printBatch prints one Markdown row.
func printBatch(k int, b batchResult) {
	var totals, firsts []time.Duration
	images, failed := 0, 0
	for _, r := range b.runs {
		totals, firsts = append(totals, r.total), append(firsts, r.firstText)
		if r.image {
			images++
		}
		if r.err != nil {
			failed++
		}
	}
	fmt.Printf("| %d | %s | %.2f | %s | %s | %s | %s | %s | %.2f | %.2f | %d | %d |\n", k, round(b.wall),
		float64(k)/b.wall.Seconds(), round(pct(totals, 50)), round(pct(totals, 99)), round(pct(totals, 100)),
		round(pct(firsts, 50)), round(pct(firsts, 99)), b.cpu.Seconds()/float64(k),
		b.cpu.Seconds()/b.wall.Seconds(), images, failed)
	for _, r := range b.runs {
		if r.err != nil {
			fmt.Println("  first failure:", r.err)
			break
		}
	}
}

// pct is the p-th percentile (nearest rank) of ds.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (p*len(s)+99)/100 - 1
	return s[max(0, min(i, len(s)-1))]
}

// round keeps durations readable: milliseconds.
func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
