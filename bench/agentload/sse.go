package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

// phase is one step of -mode sse: a driver command, then a snapshot.
type phase struct {
	cmd   string // driver command; "{n}" is replaced by -conns
	label string // what is open after it
	ref   int    // snapshot the delta is taken against (-1: none)
	unit  string // what the delta divided by N is the cost of
}

// ssePhases separates the cost of a run from that of a connection. The
// connection rows are measured on top of fresh memory (nothing similar was
// freed just before), so the allocator cannot hide their cost in the free
// space of earlier connections.
var ssePhases = []phase{
	{"setup {n}", "{n} threads (users), nothing running", -1, "baseline"},
	{"post", "{n} runs, each with its POST stream open", 0, "run + its open POST stream"},
	{"view", "+ {n} GET /agent/stream viewers (2 per run)", 1, "idle SSE connection (second viewer of a run)"},
	{"close", "{n} runs, all streams closed (runs detached)", 0, "active run without a viewer"},
	{"stop", "runs stopped", 0, "residual (closed logs stay 10 min)"},
	{"shared {n}", "1 run + {n} viewers of it", 4, "idle SSE connection (all on one run)"},
	{"stopshared", "shared run stopped (server ended its streams)", 4, "residual"},
}

// runSSE measures memory per idle SSE connection and per run.
func runSSE(ctx context.Context, o options) error {
	if err := ensureNoFile(uint64(2*o.conns + 512)); err != nil {
		return err
	}
	srv, err := startServer(ctx, o.delay)
	if err != nil {
		return err
	}
	defer srv.stop()
	drv, err := startDriver(ctx, srv, o)
	if err != nil {
		return err
	}
	defer drv.quit()
	fmt.Printf("# agentload -mode sse: N=%d, LLM_TOKEN_DELAY=%s, GOMAXPROCS=%d, %s, %s\n\n",
		o.conns, o.delay, runtime.GOMAXPROCS(0), runtime.Version(), time.Now().UTC().Format(time.RFC3339))
	snaps := make([]snapshot, 0, len(ssePhases))
	printSSEHeader()
	for i, p := range ssePhases {
		cmd := strings.ReplaceAll(p.cmd, "{n}", strconv.Itoa(o.conns))
		reply, err := drv.send(cmd)
		if ctx.Err() != nil {
			return fmt.Errorf("%s: stopped at -timeout: %w", cmd, ctx.Err())
		}
		if err != nil {
			return fmt.Errorf("%s: %w", cmd, err)
		}
		settle(ctx, 15*time.Second)
		snap := takeSnapshot(drv.pid())
		snap.cpu = idleCPU(ctx, o.idleCPU)
		snaps = append(snaps, snap)
		printSSERow(p, o.conns, snaps, reply)
		if err := writeHeapProfile(o.profDir, i); err != nil {
			return err
		}
	}
	return nil
}

// writeHeapProfile writes the heap profile of phase i into dir ("" = none).
func writeHeapProfile(dir string, i int) error {
	if dir == "" {
		return nil
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("phase-%d.pprof", i)))
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.WriteHeapProfile(f)
}

// printSSEHeader prints the header of the phase table (Markdown).
func printSSEHeader() {
	fmt.Println("| phase | goroutines | live heap | heap in use | stacks | RSS | fds | idle CPU | client RSS " +
		"| per N: goroutines | live heap | heap in use | stacks | RSS | cost of | step |")
	fmt.Println("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|")
}

// printSSERow prints the last snapshot and its delta per N to its reference.
func printSSERow(p phase, n int, snaps []snapshot, reply string) {
	s := snaps[len(snaps)-1]
	label := strings.ReplaceAll(p.label, "{n}", strconv.Itoa(n))
	fmt.Printf("| %s | %d | %s | %s | %s | %s | %d | %.1f%% | %s ", label, s.goroutines, mib(s.heapAlloc),
		mib(s.heapInuse), mib(s.stackInuse), mib(s.rss), s.fds, 100*s.cpu, mib(s.clientRSS))
	if p.ref < 0 {
		fmt.Printf("| | | | | | %s | %s |\n", p.unit, reply)
		return
	}
	r := snaps[p.ref]
	per := func(a, b uint64) string { return fmt.Sprintf("%.1f KiB", (float64(a)-float64(b))/float64(n)/1024) }
	fmt.Printf("| %.2f | %s | %s | %s | %s | %s | %s |\n", float64(s.goroutines-r.goroutines)/float64(n),
		per(s.heapAlloc, r.heapAlloc), per(s.heapInuse, r.heapInuse), per(s.stackInuse, r.stackInuse),
		per(s.rss, r.rss), p.unit, reply)
}

// mib formats bytes as MiB.
func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// driverProc is the client process holding the connections.
type driverProc struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

// startDriver starts this binary again as -role driver against srv.
func startDriver(ctx context.Context, srv *server, o options) (*driverProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "-role", "driver", "-url", srv.url, "-data", srv.dataDir,
		"-c", strconv.Itoa(o.conc), "-timeout", o.timeout.String())
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &driverProc{cmd: cmd, in: in, out: bufio.NewScanner(out)}, nil
}

// send runs one driver command and returns its "ok" answer.
func (d *driverProc) send(command string) (string, error) {
	if _, err := fmt.Fprintln(d.in, command); err != nil {
		return "", err
	}
	if !d.out.Scan() {
		return "", fmt.Errorf("driver exited: %v", d.out.Err())
	}
	reply := d.out.Text()
	if msg, failed := strings.CutPrefix(reply, "err "); failed {
		return "", fmt.Errorf("driver: %s", msg)
	}
	return strings.TrimPrefix(reply, "ok "), nil
}

// pid is the driver's process id.
func (d *driverProc) pid() int { return d.cmd.Process.Pid }

// quit closes the driver's stdin (it closes its streams and exits) and
// waits for it.
func (d *driverProc) quit() {
	d.in.Close()
	d.cmd.Wait() //nolint:errcheck // exit status is irrelevant here
}
