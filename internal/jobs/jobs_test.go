package jobs_test

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/jobs"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// recorder is a TaskRunner that works each task for a while and records
// when it ran, so tests can check serialisation and order.
type recorder struct {
	st     *store.Store
	work   time.Duration
	mu     sync.Mutex
	runs   []span
	onSpan func(span) // called with each finished run (the child process prints it)
	// crashOnce makes the first run of the task id block until its context
	// ends, as a worker that died would never finish.
	crashOnce map[string]bool
}

type span struct {
	task, user string
	start, end time.Time
}

func (r *recorder) Run(ctx context.Context, id string, _ bool) error {
	t, started, err := r.st.StartTask(ctx, id)
	if err != nil || !started {
		return err
	}
	r.mu.Lock()
	crash := r.crashOnce[id]
	delete(r.crashOnce, id)
	r.mu.Unlock()
	if crash {
		<-ctx.Done()
		return ctx.Err()
	}
	sp := span{task: id, user: t.UserID, start: time.Now()}
	select {
	case <-time.After(r.work):
	case <-ctx.Done():
		return ctx.Err()
	}
	sp.end = time.Now()
	// Recorded before the completion commits: a test that sees the task
	// completed must find its span.
	r.mu.Lock()
	r.runs = append(r.runs, sp)
	r.mu.Unlock()
	if _, err := r.st.CompleteTask(ctx, id, store.TaskResult{}); err != nil {
		r.mu.Lock()
		r.runs = slices.DeleteFunc(r.runs, func(o span) bool { return o == sp })
		r.mu.Unlock()
		return err
	}
	if r.onSpan != nil {
		r.onSpan(sp)
	}
	return nil
}

func (r *recorder) Announce(context.Context, store.MediaTask) {}

func (r *recorder) Abandon(context.Context, string, error) {}

func (r *recorder) Settle(ctx context.Context, id string) error { return r.st.RequeueTask(ctx, id) }

func (r *recorder) spans() []span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]span(nil), r.runs...)
}

type noFiles struct{}

func (noFiles) Purge(context.Context, []string) error { return nil }

// makeTasks creates n pending video tasks of user, one per version, in
// creation order, each with its job (inserted in the same transaction).
func makeTasks(t *testing.T, st *store.Store, user string, n int) []string {
	t.Helper()
	ctx := context.Background()
	if _, _, err := st.EnsureProfile(ctx, user, user+"@example.com"); err != nil {
		t.Fatal(err)
	}
	thread := uuid.NewString()
	first := store.Message{ID: uuid.NewString(), Role: "user", Format: store.FormatV5,
		Body: []byte(`{"id":"m","role":"user","parts":[{"type":"text","text":"hi"}]}`)}
	if _, err := st.CreateThread(ctx, store.Thread{ID: thread, UserID: user, Title: "t"}, first); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range n {
		id := uuid.NewString()
		task := store.MediaTask{ID: id, Kind: store.MediaVideo, Status: store.TaskPending, Provider: "local", Prompt: "p"}
		if _, err := st.SaveVersion(ctx, user, thread, first.ID, nil, []store.MediaTask{task}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func startJobs(t *testing.T, st *store.Store, r *recorder, cfg jobs.Config) *jobs.Jobs {
	t.Helper()
	cfg.Store, cfg.Tasks, cfg.Files = st, r, noFiles{}
	cfg.Log = slog.New(slog.DiscardHandler)
	if cfg.Snooze == 0 {
		cfg.Snooze = 50 * time.Millisecond
	}
	cfg.PollInterval = 50 * time.Millisecond
	j, err := jobs.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		j.Stop(ctx) //nolint:errcheck
	})
	return j
}

// waitDone polls until every task is in a final status.
func waitDone(t *testing.T, st *store.Store, ids []string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for _, id := range ids {
		for {
			status, err := st.TaskStatus(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if store.TaskTerminal(status) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("task %s still %s after %s", id, status, within)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// checkSerial asserts that each user's runs never overlap and follow the
// creation order of their tasks.
func checkSerial(t *testing.T, runs []span, order map[string][]string) {
	t.Helper()
	byUser := map[string][]span{}
	for _, r := range runs {
		byUser[r.user] = append(byUser[r.user], r)
	}
	for user, want := range order {
		got := byUser[user]
		sort.Slice(got, func(i, j int) bool { return got[i].start.Before(got[j].start) })
		if len(got) != len(want) {
			t.Fatalf("user %s: %d runs, want %d", user, len(got), len(want))
		}
		for i := range got {
			if got[i].task != want[i] {
				t.Fatalf("user %s: run %d was task %s, want %s (creation order)", user, i, got[i].task, want[i])
			}
			if i > 0 && got[i].start.Before(got[i-1].end) {
				t.Fatalf("user %s: task %s started before task %s ended", user, got[i].task, got[i-1].task)
			}
		}
	}
}

func TestOneTaskPerUserInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := &recorder{st: st, work: 30 * time.Millisecond}
		a, b := uuid.NewString(), uuid.NewString()
		order := map[string][]string{a: makeTasks(t, st, a, 8), b: makeTasks(t, st, b, 3)}
		startJobs(t, st, r, jobs.Config{})
		waitDone(t, st, append(order[a], order[b]...), 60*time.Second)
		checkSerial(t, r.spans(), order)
		// Another user's tasks are not held up behind a's: b's three are
		// done before a's last one starts.
		runs := r.spans()
		var lastA, lastB time.Time
		for _, sp := range runs {
			if sp.user == a && sp.start.After(lastA) {
				lastA = sp.start
			}
			if sp.user == b && sp.end.After(lastB) {
				lastB = sp.end
			}
		}
		if !lastB.Before(lastA) {
			t.Errorf("user b finished at %v, after user a's last task started at %v", lastB, lastA)
		}
	})
}

// TestTwoWorkersShareTheSlot runs two River clients (two worker
// processes' worth: separate pools and clients) on one Postgres schema.
func TestTwoWorkersShareTheSlot(t *testing.T) {
	if os.Getenv(storetest.EnvDatabaseURL) == "" {
		t.Skip(storetest.EnvDatabaseURL + " not set")
	}
	url, err := storetest.SchemaURL(t)
	if err != nil {
		t.Fatal(err)
	}
	open := func() *store.Store {
		st, err := store.Open(context.Background(), url, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	st1 := open()
	if _, err := st1.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	st2 := open()
	user := uuid.NewString()
	ids := makeTasks(t, st1, user, 10)
	r1 := &recorder{st: st1, work: 40 * time.Millisecond}
	r2 := &recorder{st: st2, work: 40 * time.Millisecond}
	startJobs(t, st1, r1, jobs.Config{})
	startJobs(t, st2, r2, jobs.Config{})
	waitDone(t, st1, ids, 60*time.Second)
	all := append(r1.spans(), r2.spans()...)
	checkSerial(t, all, map[string][]string{user: ids})
	if len(r1.spans()) == 0 || len(r2.spans()) == 0 {
		t.Logf("one worker ran every task (%d / %d): allowed, but the race was not exercised", len(r1.spans()), len(r2.spans()))
	}
}

// TestDeadWorkerSlotExpires: the first task's worker hangs without
// renewing (as a killed process would), its slot expires, the reaper hands
// the task to a new job, and every task still completes in order.
func TestDeadWorkerSlotExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		user := uuid.NewString()
		ids := makeTasks(t, st, user, 3)
		r := &recorder{st: st, work: 20 * time.Millisecond, crashOnce: map[string]bool{ids[0]: true}}
		startJobs(t, st, r, jobs.Config{SlotLease: 600 * time.Millisecond, ReapEvery: 200 * time.Millisecond,
			HeartbeatEvery: time.Hour})
		waitDone(t, st, ids, 60*time.Second)
		checkSerial(t, r.spans(), map[string][]string{user: ids})
	})
}

// TestGlobalCapPerKind: with VIDEO_CONCURRENCY=1, no two video tasks run
// at once even for different users (each user's own order still holds).
func TestGlobalCapPerKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := &recorder{st: st, work: 30 * time.Millisecond}
		a, b := uuid.NewString(), uuid.NewString()
		order := map[string][]string{a: makeTasks(t, st, a, 3), b: makeTasks(t, st, b, 3)}
		startJobs(t, st, r, jobs.Config{VideoConcurrency: 1})
		waitDone(t, st, append(order[a], order[b]...), 60*time.Second)
		checkSerial(t, r.spans(), order)
		runs := r.spans()
		sort.Slice(runs, func(i, j int) bool { return runs[i].start.Before(runs[j].start) })
		for i := 1; i < len(runs); i++ {
			if runs[i].start.Before(runs[i-1].end) {
				t.Fatalf("tasks %s and %s ran at once under a cap of 1", runs[i-1].task, runs[i].task)
			}
		}
	})
}
