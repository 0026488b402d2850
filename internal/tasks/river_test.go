package tasks_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/jobs"
	"github.com/kira-art/kira/internal/media"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
	"github.com/kira-art/kira/internal/tasks"
)

// runner is the real tasks.Service as internal/jobs sees it, counting the
// Run calls in flight and reporting each one's end.
type runner struct {
	*tasks.Service
	inflight atomic.Int32
	ended    chan error
}

func (r *runner) Run(ctx context.Context, id string, last bool) error {
	r.inflight.Add(1)
	defer r.inflight.Add(-1)
	err := r.Service.Run(ctx, id, last)
	r.ended <- err
	return err
}

// startJobs runs the real River workers over the fixture's store with svc.
func (f *fixture) startJobs(t *testing.T, svc *tasks.Service, cfg jobs.Config) *runner {
	t.Helper()
	r := &runner{Service: svc, ended: make(chan error, 64)}
	cfg.Store, cfg.Tasks, cfg.Files, cfg.Log = f.st, r, f.files, f.log
	cfg.Snooze = 50 * time.Millisecond
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
	return r
}

// waitStatus polls until task id has status.
func (f *fixture) waitStatus(t *testing.T, id, status string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		s, err := f.st.TaskStatus(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if s == status {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s still %s after %s, want %s", id, s, within, status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// With the real workers, deleting the thread stops the running job within
// a heartbeat or two, and the user gets the charge back.
func TestJobStopsWhenThreadDeleted(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		b := newBlocker()
		svc := f.service(blockingVideo(b, realClip(t)), nil)
		user := f.user(t, "pro", 100)
		tk := f.task(t, user, store.MediaVideo, "a fox", `{}`)
		r := f.startJobs(t, svc, jobs.Config{})

		wait(t, b.entered, 30*time.Second, "the job never called the provider")
		f.waitStatus(t, tk.id, store.TaskProcessing, 5*time.Second)
		if _, err := st.DeleteThread(context.Background(), user, tk.thread); err != nil {
			t.Fatal(err)
		}
		if err := wait(t, b.returned, 5*time.Second, "the running job did not stop after the thread was deleted"); err == nil {
			t.Fatal("the provider was released, not cancelled")
		}
		if err := wait(t, r.ended, 5*time.Second, "Run did not return"); err != nil {
			t.Fatalf("Run of the cancelled task returned %v", err)
		}
		checkCancelled(t, f, tk, 100)
		f.pub.checkStatuses(t, tk, store.TaskPending, store.TaskProcessing)
	})
}

// An attempt fails retryably and the thread is deleted before River's
// retry: the retry finds the task cancelled and refunds it.
func TestJobCancelledBeforeRetry(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		video := videoErr(retryableErr())
		svc := f.service(video, nil)
		user := f.user(t, "pro", 100)
		tk := f.task(t, user, store.MediaVideo, "a fox", `{}`)
		r := f.startJobs(t, svc, jobs.Config{})
		if err := wait(t, r.ended, 30*time.Second, "the first attempt never ran"); err == nil {
			t.Fatal("the retryable failure returned nil")
		}
		if got := f.balance(t, user); got != 100-tasks.VideoCost {
			t.Fatalf("balance %d between attempts", got)
		}
		if _, err := st.DeleteThread(context.Background(), user, tk.thread); err != nil {
			t.Fatal(err)
		}
		// River retries after about a second (attempt 1's backoff).
		eventually(t, 30*time.Second, "the cancelled task was never refunded", func() bool {
			return f.balance(t, user) == 100
		})
		checkCancelled(t, f, tk, 100)
		if n := video.calls.Load(); n != 1 {
			t.Fatalf("provider called %d times", n)
		}
	})
}

// A worker dies mid-task (simulated as in internal/jobs: its heartbeat
// never beats, so its slot lease runs out): the reaper hands the task to a
// new job, which completes it without charging again; the dead attempt
// waking up late changes nothing.
func TestWorkerKilledMidTask(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		b := newBlocker()
		video := blockingVideo(b, realClip(t))
		svc := f.service(video, media.LocalMusic{Length: time.Second})
		user := f.user(t, "pro", 100)
		tk := f.task(t, user, store.MediaVideo, "a fox", `{}`)
		r := f.startJobs(t, svc, jobs.Config{SlotLease: time.Second, HeartbeatEvery: time.Hour,
			ReapEvery: 200 * time.Millisecond})

		wait(t, b.entered, 30*time.Second, "the first attempt never called the provider")
		f.waitStatus(t, tk.id, store.TaskCompleted, 60*time.Second)
		done := f.get(t, tk.id)
		if got := f.balance(t, user); got != 100-tasks.VideoCost {
			t.Fatalf("balance %d, want %d (charged once)", got, 100-tasks.VideoCost)
		}
		f.checkLedger(t, tk, store.MediaVideo, tasks.VideoCost, false)

		// The dead attempt wakes and finishes its generation late.
		close(b.release)
		eventually(t, 30*time.Second, "Run calls still in flight", func() bool {
			return video.calls.Load() >= 2 && r.inflight.Load() == 0 && len(b.returned) == 1
		})
		after := f.get(t, tk.id)
		if after.Status != store.TaskCompleted || after.ResultFileID != done.ResultFileID || after.ThumbFileID != done.ThumbFileID {
			t.Fatalf("the late attempt changed the task: %+v → %+v", done, after)
		}
		checkResultFiles(t, f, after, "video")
		f.checkLedger(t, tk, store.MediaVideo, tasks.VideoCost, false)
		if got := f.balance(t, user); got != 100-tasks.VideoCost {
			t.Fatalf("balance %d after the late attempt", got)
		}
		for _, s := range f.pub.statuses(t, tk) {
			if s == store.TaskFailed || s == store.TaskCancelled {
				t.Fatalf("published %s for a task that completed", s)
			}
		}
		if st := dedup(f.pub.statuses(t, tk)); fmt.Sprint(st) != fmt.Sprint([]string{store.TaskPending, store.TaskProcessing, store.TaskCompleted}) {
			t.Fatalf("published %v", st)
		}
		f.checkNoOrphans(t, user)
		if ids := f.blobFileIDs(t, user); len(ids) != 2 {
			t.Fatalf("blob directories %v, want the result's and the thumbnail's only", ids)
		}
	})
}
