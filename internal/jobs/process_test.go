package jobs_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/jobs"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// envChildURL tells the test binary it runs as the second worker process
// of TestTwoWorkerProcesses, on that database.
const envChildURL = "KIRA_JOBS_CHILD_DATABASE_URL"

// TestTwoWorkerProcesses proves the per-user slot across processes: this
// test process and a child process (the test binary re-executed) each run
// a River client with workers on one Postgres schema; the user's tasks
// never overlap and run in creation order whichever process takes them.
func TestTwoWorkerProcesses(t *testing.T) {
	if os.Getenv(storetest.EnvDatabaseURL) == "" {
		t.Skip(storetest.EnvDatabaseURL + " not set")
	}
	url, err := storetest.SchemaURL(t)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), url, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	child := exec.Command(os.Args[0], "-test.run=^TestWorkerProcessChild$", "-test.v")
	child.Env = append(os.Environ(), envChildURL+"="+url)
	stdin, _ := child.StdinPipe()
	stdout, _ := child.StdoutPipe()
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); child.Wait() }) //nolint:errcheck
	childSpans, ready := readSpans(stdout)
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("child worker did not start")
	}
	user := uuid.NewString()
	ids := makeTasks(t, st, user, 12)
	r := &recorder{st: st, work: 40 * time.Millisecond}
	startJobs(t, st, r, jobs.Config{})
	waitDone(t, st, ids, 90*time.Second)
	stdin.Close() // the child stops its workers and exits
	child.Wait()  //nolint:errcheck
	theirs := childSpans()
	all := append(r.spans(), theirs...)
	checkSerial(t, all, map[string][]string{user: ids})
	t.Logf("tasks run by this process: %d, by the child: %d", len(r.spans()), len(theirs))
}

// readSpans parses the child's "span <task> <user> <startNs> <endNs>"
// lines; ready closes when it prints "ready".
func readSpans(r io.Reader) (func() []span, <-chan struct{}) {
	var mu sync.Mutex
	var out []span
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(r)
		once := sync.Once{}
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 1 && f[0] == "ready" {
				once.Do(func() { close(ready) })
			}
			if len(f) == 5 && f[0] == "span" {
				a, _ := strconv.ParseInt(f[3], 10, 64)
				b, _ := strconv.ParseInt(f[4], 10, 64)
				mu.Lock()
				out = append(out, span{task: f[1], user: f[2], start: time.Unix(0, a), end: time.Unix(0, b)})
				mu.Unlock()
			}
		}
	}()
	return func() []span {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return out
	}, ready
}

// TestWorkerProcessChild is the child's body (skipped in a normal run):
// workers on the parent's schema until stdin closes, each finished task
// printed as a span line.
func TestWorkerProcessChild(t *testing.T) {
	url := os.Getenv(envChildURL)
	if url == "" {
		t.Skip("runs only as TestTwoWorkerProcesses's child")
	}
	st, err := store.Open(context.Background(), url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := &recorder{st: st, work: 40 * time.Millisecond}
	r.onSpan = func(sp span) {
		fmt.Printf("span %s %s %d %d\n", sp.task, sp.user, sp.start.UnixNano(), sp.end.UnixNano())
	}
	startJobs(t, st, r, jobs.Config{})
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin) //nolint:errcheck // until the parent closes it
}
