package jobs_test

import (
	"bufio"
	"context"
	"database/sql"
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

// envChildHang makes the child's tasks run for an hour.
const envChildHang = "KIRA_JOBS_CHILD_HANG"

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
	work := 40 * time.Millisecond
	if os.Getenv(envChildHang) != "" {
		work = time.Hour // a task that never ends until the process is killed
	}
	r := &recorder{st: st, work: work}
	r.onSpan = func(sp span) {
		fmt.Printf("span %s %s %d %d\n", sp.task, sp.user, sp.start.UnixNano(), sp.end.UnixNano())
	}
	startJobs(t, st, r, jobs.Config{SlotLease: time.Second})
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin) //nolint:errcheck // until the parent closes it
}

// TestKilledWorkerProcess: a worker process is killed with SIGKILL while it
// runs a user's first task. Its slot lease (1 s) runs out, the other
// process's reaper hands the task to a new job, and all the user's tasks
// complete there, in order, none left processing.
func TestKilledWorkerProcess(t *testing.T) {
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
	child.Env = append(os.Environ(), envChildURL+"="+url, envChildHang+"=1")
	stdin, _ := child.StdinPipe()
	stdout, _ := child.StdoutPipe()
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); child.Process.Kill(); child.Wait() }) //nolint:errcheck
	_, ready := readSpans(stdout)
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("child worker did not start")
	}
	user := uuid.NewString()
	ids := makeTasks(t, st, user, 3)
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, err := st.TaskStatus(context.Background(), ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if status == store.TaskProcessing {
			break // the child runs it
		}
		if time.Now().After(deadline) {
			t.Fatalf("the child never started the first task (%s)", status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := child.Process.Kill(); err != nil { // SIGKILL: no clean-up runs
		t.Fatal(err)
	}
	child.Wait() //nolint:errcheck
	r := &recorder{st: st, work: 20 * time.Millisecond}
	startJobs(t, st, r, jobs.Config{SlotLease: time.Second, ReapEvery: 200 * time.Millisecond})
	t.Cleanup(func() {
		if t.Failed() {
			dumpJobs(t, url)
		}
	})
	waitDone(t, st, ids, 60*time.Second)
	checkSerial(t, r.spans(), map[string][]string{user: ids})
	for _, id := range ids {
		if status, _ := st.TaskStatus(context.Background(), id); status != store.TaskCompleted {
			t.Fatalf("task %s ended %s", id, status)
		}
	}
}

func dumpJobs(t *testing.T, url string) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return
	}
	defer db.Close()
	rows, err := db.Query("SELECT id, kind, state, attempt, args::text, scheduled_at FROM river_job ORDER BY id")
	if err != nil {
		t.Log(err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var id, attempt int64
		var kind, state, args string
		var at time.Time
		rows.Scan(&id, &kind, &state, &attempt, &args, &at) //nolint:errcheck
		t.Logf("job %d %s %s attempt %d %s at %s", id, kind, state, attempt, args, at.Format(time.RFC3339Nano))
	}
	rows2, _ := db.Query("SELECT id, status, COALESCE(job_id, 0) FROM media_tasks ORDER BY created_at")
	for rows2 != nil && rows2.Next() {
		var id, status string
		var job int64
		rows2.Scan(&id, &status, &job) //nolint:errcheck
		t.Logf("task %s %s job %d", id, status, job)
	}
	rows3, _ := db.Query("SELECT scope, task_id FROM work_slots")
	for rows3 != nil && rows3.Next() {
		var a, b string
		rows3.Scan(&a, &b) //nolint:errcheck
		t.Logf("slot %s %s", a, b)
	}
}
