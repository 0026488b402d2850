// Command agentload measures the agent on one kira server that it starts in
// process (SQLite and the in-memory run log in a temporary directory, the
// local model, loopback only):
//
//   - -mode sse: the server's memory and goroutines per idle SSE connection.
//     With a very slow model (-delay 10m) every run stays active and silent
//     after its first chunks. A separate client process (this binary again,
//     -role driver) opens the connections, so the server's heap, stacks and
//     RSS hold only the server's side of them. The phases separate the cost
//     of a run from the cost of a connection: N runs with their POST streams
//     open, a second (GET) viewer on each, the runs detached, and one run
//     with N viewers.
//
//   - -mode runs: K runs started at once (K in -k) with the default local
//     model (15 ms per token, one 768x768 image per run): completion time
//     p50/p99, time to the first text, runs per second and CPU used.
//
// Usage:
//
//	go run ./bench/agentload -mode sse -conns 2000
//	go run ./bench/agentload -mode runs -k 1,8,32,128
//
// The tool stops by itself after -timeout. docs/benchmarks.md has the
// numbers and the set-up.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// options are the command-line flags.
type options struct {
	mode    string
	conns   int
	ks      []int
	delay   time.Duration
	conc    int
	timeout time.Duration
	idleCPU time.Duration // sse: window over which the server's CPU use is measured after each phase
	profDir string        // sse: write a heap profile after each phase here
	cpuProf string        // runs: write a CPU profile of all batches here
	role    string        // "" (the measuring process) or "driver" (the SSE client process)
	url     string        // driver: the server's base URL
	dataDir string        // driver: the server's data directory (development key)
}

// main parses the flags and runs the measurement, or the client loop when
// started as -role driver.
func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "agentload:", err)
		os.Exit(2)
	}
	if o.role == "driver" {
		os.Exit(runDriver(o))
	}
	os.Exit(measure(o))
}

// measure runs the selected measurement within -timeout and returns the
// exit code.
func measure(o options) int {
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "agentload:", err)
		return 1
	}
	return 0
}

// run dispatches to the selected measurement.
func run(ctx context.Context, o options) error {
	switch o.mode {
	case "sse":
		return runSSE(ctx, o)
	case "runs":
		return runRuns(ctx, o)
	}
	return fmt.Errorf("-mode %q: want sse or runs", o.mode)
}

// parseFlags reads args; -delay defaults to 10m for sse and 15ms for runs.
func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("agentload", flag.ContinueOnError)
	fs.StringVar(&o.mode, "mode", "sse", "sse (memory per idle SSE connection) or runs (concurrent runs)")
	fs.IntVar(&o.conns, "conns", 2000, "sse: number of runs and of connections (1-5000)")
	ks := fs.String("k", "1,8,32,128", "runs: comma-separated numbers of runs started at once (each 1-512)")
	delay := fs.String("delay", "", "the local model's pause per token (default 10m for sse, 15ms for runs)")
	fs.IntVar(&o.conc, "c", 32, "concurrent requests while setting up (creating threads, starting and stopping runs)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "hard limit for the whole measurement")
	fs.DurationVar(&o.idleCPU, "idlecpu", 10*time.Second, "sse: measure the server's CPU use over this window after each phase (0: skip)")
	fs.StringVar(&o.profDir, "heapprofile", "", "sse: directory for a heap profile after each phase (phase-N.pprof)")
	fs.StringVar(&o.cpuProf, "cpuprofile", "", "runs: file for a CPU profile of the batches (go tool pprof)")
	fs.StringVar(&o.role, "role", "", "internal: driver (the client process of -mode sse)")
	fs.StringVar(&o.url, "url", "", "internal: the server's base URL (driver)")
	fs.StringVar(&o.dataDir, "data", "", "internal: the server's data directory (driver)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var err error
	if o.ks, err = parseKs(*ks); err != nil {
		return o, err
	}
	if o.delay, err = parseDelay(*delay, o.mode); err != nil {
		return o, err
	}
	return o, o.validate()
}

// parseKs parses the -k list.
func parseKs(s string) ([]int, error) {
	var ks []int
	for _, f := range strings.Split(s, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 1 || k > 512 {
			return nil, fmt.Errorf("-k: %q is not a number from 1 to 512", f)
		}
		ks = append(ks, k)
	}
	return ks, nil
}

// parseDelay parses -delay, filling in the mode's default.
func parseDelay(s, mode string) (time.Duration, error) {
	if s == "" {
		if mode == "sse" {
			return 10 * time.Minute, nil
		}
		return 15 * time.Millisecond, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("-delay: %w", err)
	}
	return d, nil
}

// validate bounds the counts so the tool cannot run away.
func (o options) validate() error {
	switch {
	case o.conns < 1 || o.conns > 5000:
		return errors.New("-conns: want 1-5000")
	case o.conc < 1 || o.conc > 256:
		return errors.New("-c: want 1-256")
	case o.idleCPU < 0 || o.idleCPU > time.Minute:
		return errors.New("-idlecpu: want 0-1m")
	case o.timeout <= 0 || o.timeout > 30*time.Minute:
		return errors.New("-timeout: want at most 30m")
	case o.role == "driver" && (o.url == "" || o.dataDir == ""):
		return errors.New("-role driver needs -url and -data")
	}
	return nil
}
