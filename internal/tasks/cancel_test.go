package tasks_test

import (
	"context"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
	"github.com/kira-art/kira/internal/tasks"
)

// checkCancelled asserts a task ended cancelled and was refunded once.
func checkCancelled(t *testing.T, f *fixture, tk task, balance int) {
	t.Helper()
	got := f.get(t, tk.id)
	if got.Status != store.TaskCancelled || got.ResultFileID != "" {
		t.Fatalf("task %s with result %q, want cancelled without one", got.Status, got.ResultFileID)
	}
	if b := f.balance(t, tk.user); b != balance {
		t.Fatalf("balance %d, want %d (refunded)", b, balance)
	}
	f.checkLedger(t, tk, store.MediaVideo, tasks.VideoCost, true)
	if ids := f.blobFileIDs(t, tk.user); len(ids) != 0 {
		t.Fatalf("blobs left by a cancelled task: %v", ids)
	}
}

// The thread is deleted while the provider works, and the ctx is
// cancelled as the job's heartbeat does on seeing it: Run stops, the task
// stays cancelled and is refunded once.
func TestCancelWhileProviderWorks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		b := newBlocker()
		svc := f.service(blockingVideo(b, realClip(t)), nil)
		user := f.user(t, "pro", 100)
		tk := f.task(t, user, store.MediaVideo, "a fox", `{}`)

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- svc.Run(ctx, tk.id, false) }()
		wait(t, b.entered, 10*time.Second, "the provider was never called")
		if got := f.balance(t, user); got != 100-tasks.VideoCost {
			t.Fatalf("balance %d while processing", got)
		}
		deleted, err := st.DeleteThread(context.Background(), user, tk.thread)
		if err != nil || len(deleted.CancelledTaskIDs) != 1 || deleted.CancelledTaskIDs[0] != tk.id {
			t.Fatalf("DeleteThread %+v %v", deleted, err)
		}
		cancel()
		if err := wait(t, done, 10*time.Second, "Run did not return after its ctx was cancelled"); err != nil {
			t.Fatalf("Run of a cancelled task returned %v", err)
		}
		checkCancelled(t, f, tk, 100)
		f.pub.checkStatuses(t, tk, store.TaskProcessing) // nothing after: the thread is gone

		// A late duplicate job, and the reaper's Settle, refund nothing more.
		if err := svc.Run(context.Background(), tk.id, true); err != nil {
			t.Fatal(err)
		}
		if err := svc.Settle(context.Background(), tk.id); err != nil {
			t.Fatal(err)
		}
		checkCancelled(t, f, tk, 100)
	})
}

// A provider that ignores cancellation and finishes anyway: its result is
// not recorded, its staged blobs are removed, and the task is refunded.
func TestCancelledWhileProviderFinishes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		b := newBlocker()
		svc := f.service(blockingVideo(b, realClip(t)), nil)
		user := f.user(t, "pro", 100)
		tk := f.task(t, user, store.MediaVideo, "a fox", `{}`)
		done := make(chan error, 1)
		go func() { done <- svc.Run(context.Background(), tk.id, false) }()
		wait(t, b.entered, 10*time.Second, "the provider was never called")
		if _, err := st.DeleteThread(context.Background(), user, tk.thread); err != nil {
			t.Fatal(err)
		}
		close(b.release)
		if err := wait(t, done, 30*time.Second, "Run did not return"); err != nil {
			t.Fatal(err)
		}
		checkCancelled(t, f, tk, 100)
	})
}

// A task charged by an attempt that failed retryably, then cancelled
// before River's retry: the retry (or the reaper's Settle) refunds it,
// once.
func TestCancelledBetweenAttempts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		c := realClip(t)
		for _, via := range []string{"retry", "settle"} {
			t.Run(via, func(t *testing.T) {
				user := f.user(t, "pro", 100)
				tk := f.task(t, user, store.MediaVideo, "a fox", `{}`)
				if err := f.service(videoErr(retryableErr()), nil).Run(ctx, tk.id, false); err == nil {
					t.Fatal("retryable failure returned nil")
				}
				if got := f.balance(t, user); got != 100-tasks.VideoCost {
					t.Fatalf("balance %d between attempts", got)
				}
				if _, err := st.DeleteThread(ctx, user, tk.thread); err != nil {
					t.Fatal(err)
				}
				video := videoBytes(c, c.data)
				svc := f.service(video, nil)
				for range 2 { // twice: still one refund
					var err error
					if via == "retry" {
						err = svc.Run(ctx, tk.id, false)
					} else {
						err = svc.Settle(ctx, tk.id)
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				if n := video.calls.Load(); n != 0 {
					t.Fatalf("provider called %d times for a cancelled task", n)
				}
				checkCancelled(t, f, tk, 100)
			})
		}
	})
}

// Settle of a task that never got charged (cancelled while pending)
// refunds nothing; of an unfinished one it queues a new job and leaves the
// books alone.
func TestSettleUncharged(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		svc := f.service(videoErr(permanentErr()), nil)
		user := f.user(t, "pro", 100)
		pending := f.task(t, user, store.MediaVideo, "a fox", `{}`)
		if err := svc.Settle(ctx, pending.id); err != nil {
			t.Fatal(err)
		}
		if got := f.get(t, pending.id).Status; got != store.TaskPending {
			t.Fatalf("settled pending task is %s", got)
		}
		if _, err := st.DeleteThread(ctx, user, pending.thread); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := svc.Settle(ctx, pending.id); err != nil {
				t.Fatal(err)
			}
		}
		if rows := f.ledger(t, user, chargeKey(store.MediaVideo, pending.id)); len(rows) != 0 {
			t.Fatalf("ledger rows of a task cancelled before its charge: %v", rows)
		}
		if got := f.balance(t, user); got != 100 {
			t.Fatalf("balance %d, want 100", got)
		}
	})
}
