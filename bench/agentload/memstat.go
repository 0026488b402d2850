package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/kira-art/kira/bench/internal/loadkit"
)

// snapshot is the server process's memory at one moment (after a full GC
// that returned free memory to the OS), plus the client process's RSS.
type snapshot struct {
	goroutines int
	heapAlloc  uint64  // live heap objects (runtime.MemStats.HeapAlloc)
	heapInuse  uint64  // heap spans holding them (HeapInuse; includes fragmentation)
	stackInuse uint64  // goroutine stacks, not part of the heap
	rss        uint64  // VmRSS of this process
	fds        int     // open file descriptors of this process
	clientRSS  uint64  // VmRSS of the driver process (0 if none)
	cpu        float64 // cores this process used while idle in the phase (lease heartbeats, keep-alives)
}

// takeSnapshot collects garbage, releases free memory and reads the stats.
// The first collection moves sync.Pool contents (e.g. net/http's buffers of
// closed connections) to the victim cache and the second frees them, so
// pooled spare buffers are not counted as in use.
func takeSnapshot(clientPID int) snapshot {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := snapshot{goroutines: runtime.NumGoroutine(), heapAlloc: ms.HeapAlloc, heapInuse: ms.HeapInuse, stackInuse: ms.StackInuse,
		rss: loadkit.RSS("self"), fds: openFDs()}
	if clientPID > 0 {
		s.clientRSS = loadkit.RSS(strconv.Itoa(clientPID))
	}
	return s
}

// openFDs counts this process's open file descriptors (-1 if unknown).
func openFDs() int {
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(es)
}

// settle waits until the goroutine count has not changed for a second (the
// server noticed closed connections and finished runs), at most maxWait.
func settle(ctx context.Context, maxWait time.Duration) {
	deadline := time.Now().Add(maxWait)
	last, same := -1, 0
	for same < 5 && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(200 * time.Millisecond)
		if n := runtime.NumGoroutine(); n == last {
			same++
		} else {
			last, same = n, 0
		}
	}
}

// idleCPU is the number of cores this process uses over window.
func idleCPU(ctx context.Context, window time.Duration) float64 {
	if window <= 0 {
		return 0
	}
	before, t0 := cpuTime(), time.Now()
	select {
	case <-time.After(window):
	case <-ctx.Done():
	}
	return (cpuTime() - before).Seconds() / time.Since(t0).Seconds()
}

// cpuTime is the CPU time (user + system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// waitQuiet waits until this process uses under 5% of a core over two
// consecutive 300 ms windows (background work such as thread titles is
// done), at most maxWait.
func waitQuiet(ctx context.Context, maxWait time.Duration) {
	const window = 300 * time.Millisecond
	deadline := time.Now().Add(maxWait)
	quiet := 0
	for quiet < 2 && time.Now().Before(deadline) && ctx.Err() == nil {
		before := cpuTime()
		time.Sleep(window)
		if cpuTime()-before < window/20 {
			quiet++
		} else {
			quiet = 0
		}
	}
}

// ensureNoFile raises the soft open-file limit to at least need (up to the
// hard limit) and fails if that is not enough. Child processes inherit it.
func ensureNoFile(need uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur >= need {
		return nil
	}
	lim.Cur = min(need, lim.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur < need {
		return fmt.Errorf("open-file limit %d is below the %d needed (raise the hard limit: ulimit -Hn)", lim.Cur, need)
	}
	return nil
}
