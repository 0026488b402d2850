package realtime_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/realtime"
)

// The benchmarks run each node in a child process (this test binary,
// re-executed), so its memory is measured without the 1,000 clients'.
const (
	envBenchServer = "KIRA_REALTIME_BENCH_SERVER" // set: be a bench server
	envBenchRedis  = "KIRA_REALTIME_BENCH_REDIS"  // the child's RedisURL
	envBenchPrefix = "KIRA_REALTIME_BENCH_PREFIX" // the child's Prefix
)

func TestMain(m *testing.M) {
	if os.Getenv(envBenchServer) != "" {
		if err := runBenchServer(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// memStats is the child's memory after a full collection.
type memStats struct {
	HeapInuse  uint64 `json:"heapInuse"`
	StackInuse uint64 `json:"stackInuse"`
	Goroutines int    `json:"goroutines"`
}

// runBenchServer serves a node on loopback: /connection/websocket,
// /publish?channel= (publishes {"t":<unix ns>} stamped just before the
// publish) and /memstats. It prints its address and runs until stdin
// closes, so it never outlives the benchmark.
func runBenchServer() error {
	n, err := realtime.NewNode(realtime.NodeConfig{
		Verify: hsVerify(testSecret), RedisURL: os.Getenv(envBenchRedis), Prefix: os.Getenv(envBenchPrefix),
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return err
	}
	if err := n.Start(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /connection/websocket", n.Handler())
	mux.HandleFunc("POST /publish", func(w http.ResponseWriter, r *http.Request) {
		data := []byte(`{"t":` + strconv.FormatInt(time.Now().UnixNano(), 10) + `}`)
		if err := n.Publish(r.Context(), r.URL.Query().Get("channel"), data); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("GET /memstats", func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(readMem()) //nolint:errcheck
	})
	go http.Serve(ln, mux) //nolint:errcheck
	fmt.Println(ln.Addr().String())
	bufio.NewReader(os.Stdin).ReadString('\n') //nolint:errcheck // returns at EOF
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return n.Stop(ctx)
}

// readMem collects twice (pooled buffers go to the victim cache, then
// away) and returns what stays in use.
func readMem() memStats {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memStats{HeapInuse: ms.HeapInuse, StackInuse: ms.StackInuse, Goroutines: runtime.NumGoroutine()}
}

// benchServer is a running child node.
type benchServer struct {
	addr string
}

// startBenchServer starts a child node (on Redis when redisURL is set)
// and stops it when the benchmark ends.
func startBenchServer(b *testing.B, redisURL, prefix string) *benchServer {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envBenchServer+"=1", envBenchRedis+"="+redisURL, envBenchPrefix+"="+prefix)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close() //nolint:errcheck
		cmd.Wait()    //nolint:errcheck
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("bench server: %v", err)
	}
	return &benchServer{addr: strings.TrimSpace(line)}
}

func (s *benchServer) wsURL() string { return "ws://" + s.addr + "/connection/websocket" }

func (s *benchServer) publish(b *testing.B, channel string) {
	resp, err := http.Post("http://"+s.addr+"/publish?channel="+url.QueryEscape(channel), "", nil)
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close() //nolint:errcheck
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("publish: HTTP %d", resp.StatusCode)
	}
}

func (s *benchServer) mem(b *testing.B) memStats {
	resp, err := http.Get("http://" + s.addr + "/memstats")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close() //nolint:errcheck
	var m memStats
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		b.Fatal(err)
	}
	return m
}
