package tasks_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/media"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
	"github.com/kira-art/kira/internal/tasks"
)

// checkFailed asserts a task ended failed with msg (a prefix), refunded,
// with processing → failed published and no blobs left for its user.
func checkFailed(t *testing.T, f *fixture, tk task, kind string, cost, balance int, msg string) {
	t.Helper()
	got := f.get(t, tk.id)
	if got.Status != store.TaskFailed || !strings.HasPrefix(got.ErrorMessage, msg) {
		t.Fatalf("task %s %q, want failed %q", got.Status, got.ErrorMessage, msg)
	}
	if got.ResultFileID != "" || got.ThumbFileID != "" {
		t.Fatalf("failed task has files %q %q", got.ResultFileID, got.ThumbFileID)
	}
	if b := f.balance(t, tk.user); b != balance {
		t.Fatalf("balance %d after a refund, want %d", b, balance)
	}
	f.checkLedger(t, tk, kind, cost, true)
	if st := dedup(f.pub.statuses(t, tk)); fmt.Sprint(st) != fmt.Sprint([]string{store.TaskProcessing, store.TaskFailed}) {
		t.Fatalf("published %v, want processing then failed", st)
	}
	events := f.pub.of(t, tk)
	last := events[len(events)-1]
	em := ""
	if last.Video != nil {
		em = last.Video.ErrorMessage
	} else if last.Audio != nil {
		em = last.Audio.ErrorMessage
	}
	if em != got.ErrorMessage {
		t.Fatalf("failed event says %q, task %q", em, got.ErrorMessage)
	}
	if ids := f.blobFileIDs(t, tk.user); len(ids) != 0 {
		t.Fatalf("blobs left after a failure: %v", ids)
	}
}

// dedup collapses repeats: a retried attempt publishes processing again.
func dedup(s []string) []string {
	var out []string
	for _, v := range s {
		if len(out) == 0 || out[len(out)-1] != v {
			out = append(out, v)
		}
	}
	return out
}

func TestProviderPermanentError(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		cases := []struct {
			name string
			err  error
			msg  string
		}{
			{"provider refusal", permanentErr(), "generation failed: prompt refused by the provider"},
			{"bad request", fmt.Errorf("%w: ratio %q", media.ErrBadVideoRequest, "4:3"), "bad video request"},
			{"plain error", errors.New("connection reset by peer at https://secret.example/key=abc"), "generation failed"},
		}
		for _, c := range cases {
			for _, kind := range []string{store.MediaVideo, store.MediaAudio} {
				svc := f.service(videoErr(c.err), songErr(c.err))
				user := f.user(t, "pro", 100)
				tk := f.task(t, user, kind, "x", `{}`)
				// Not the last attempt: a permanent error fails the task anyway.
				if err := svc.Run(ctx, tk.id, false); err != nil {
					t.Fatalf("%s %s: Run %v", c.name, kind, err)
				}
				cost := map[string]int{store.MediaVideo: tasks.VideoCost, store.MediaAudio: tasks.MusicCost}[kind]
				checkFailed(t, f, tk, kind, cost, 100, c.msg)
				if msg := f.get(t, tk.id).ErrorMessage; strings.Contains(msg, "secret") {
					t.Fatalf("error message leaks the cause: %q", msg)
				}
			}
		}
	})
}

// A retryable failure before the last attempt leaves the task processing
// and charged, for River's retry; the retry completes it without a second
// charge.
func TestRetryableErrorThenRetry(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		c := realClip(t)
		user := f.user(t, "pro", 100)
		tk := f.task(t, user, store.MediaVideo, "a fox", `{}`)
		failing := videoErr(retryableErr())
		err := f.service(failing, nil).Run(ctx, tk.id, false)
		if pe := (*media.ProviderError)(nil); !errors.As(err, &pe) || !pe.Retryable {
			t.Fatalf("Run returned %v, want the retryable provider error", err)
		}
		if got := f.get(t, tk.id).Status; got != store.TaskProcessing {
			t.Fatalf("task %s between attempts, want processing", got)
		}
		if got := f.balance(t, user); got != 100-tasks.VideoCost {
			t.Fatalf("balance %d between attempts, want %d", got, 100-tasks.VideoCost)
		}
		f.checkLedger(t, tk, store.MediaVideo, tasks.VideoCost, false)

		// A second retryable failure: still one charge.
		if err := f.service(failing, nil).Run(ctx, tk.id, false); err == nil {
			t.Fatal("second retryable failure returned nil")
		}
		working := videoBytes(c, c.data)
		if err := f.service(working, nil).Run(ctx, tk.id, false); err != nil {
			t.Fatal(err)
		}
		done := f.get(t, tk.id)
		if done.Status != store.TaskCompleted {
			t.Fatalf("retried task %s", done.Status)
		}
		checkResultFiles(t, f, done, "video")
		if got := f.balance(t, user); got != 100-tasks.VideoCost {
			t.Fatalf("balance %d after the retry, want %d (charged once)", got, 100-tasks.VideoCost)
		}
		f.checkLedger(t, tk, store.MediaVideo, tasks.VideoCost, false)
		if st := dedup(f.pub.statuses(t, tk)); fmt.Sprint(st) != fmt.Sprint([]string{store.TaskProcessing, store.TaskCompleted}) {
			t.Fatalf("published %v", st)
		}
		f.checkNoOrphans(t, user)
	})
}

// On the last attempt a retryable failure (or a timeout) fails the task
// and refunds it.
func TestRetryableErrorOnLastAttempt(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		user := f.user(t, "pro", 100)
		tk := f.task(t, user, store.MediaAudio, "a song", `{}`)
		if err := f.service(nil, songErr(retryableErr())).Run(ctx, tk.id, true); err != nil {
			t.Fatal(err)
		}
		checkFailed(t, f, tk, store.MediaAudio, tasks.MusicCost, 100, "generation failed: busy, try later")
	})
}

// A provider that outlives the attempt's deadline: retried while attempts
// remain, failed as timed out (and refunded) on the last. The deadline
// passes the moment the provider is called (not after a wall-clock
// interval, which a loaded machine can spend before the task starts).
func TestProviderTimeout(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		user := f.user(t, "pro", 100)
		tk := f.task(t, user, store.MediaVideo, "a fox", `{}`)
		var attempt *expiringContext
		slow := &fakeVideo{fn: func(ctx context.Context, _ int) (*media.GeneratedVideo, error) {
			attempt.expire()
			<-ctx.Done()
			return nil, fmt.Errorf("poll: %w", ctx.Err())
		}}
		svc := f.service(slow, nil)
		run := func(last bool) error {
			attempt = newExpiringContext()
			return svc.Run(attempt, tk.id, last)
		}
		if err := run(false); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("timed-out attempt returned %v, want a deadline error", err)
		}
		if got := f.get(t, tk.id).Status; got != store.TaskProcessing {
			t.Fatalf("task %s after a timed-out attempt", got)
		}
		if err := run(true); err != nil {
			t.Fatal(err)
		}
		checkFailed(t, f, tk, store.MediaVideo, tasks.VideoCost, 100, "generation timed out")
	})
}

// expiringContext is an attempt's context whose deadline passes when
// expire is called: Done closes and Err is DeadlineExceeded, as when a
// River job's timeout fires.
type expiringContext struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func newExpiringContext() *expiringContext {
	return &expiringContext{Context: context.Background(), done: make(chan struct{})}
}

func (c *expiringContext) expire()               { c.once.Do(func() { close(c.done) }) }
func (c *expiringContext) Done() <-chan struct{} { return c.done }

func (c *expiringContext) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// A provider handing back a broken file (garbage, empty, the wrong kind,
// or cut short) fails the task cleanly: refunded, and no blobs left.
func TestBrokenResultFile(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		c := realClip(t)
		song := songFile(t)
		broken := "generation failed: the provider returned a broken file"
		cases := []struct {
			name string
			kind string
			data []byte
		}{
			{"html error page as video", store.MediaVideo, []byte("<html><body>502 Bad Gateway</body></html>")},
			{"empty video", store.MediaVideo, nil},
			{"song as video", store.MediaVideo, song},
			{"truncated video", store.MediaVideo, c.data[:len(c.data)/2]},
			{"video header only", store.MediaVideo, c.data[:64]},
			{"garbage as song", store.MediaAudio, []byte(strings.Repeat("\x00\xff", 300))},
			{"video as song", store.MediaAudio, c.data},
			{"truncated song", store.MediaAudio, song[:len(song)/3]},
		}
		for _, bc := range cases {
			t.Run(bc.name, func(t *testing.T) {
				svc := f.service(videoBytes(c, bc.data), songBytes(bc.data))
				user := f.user(t, "pro", 100)
				tk := f.task(t, user, bc.kind, "x", `{}`)
				if err := svc.Run(ctx, tk.id, false); err != nil {
					t.Fatal(err)
				}
				cost := map[string]int{store.MediaVideo: tasks.VideoCost, store.MediaAudio: tasks.MusicCost}[bc.kind]
				checkFailed(t, f, tk, bc.kind, cost, 100, broken)
			})
		}
	})
}

// songFile is a real WAV from the local music provider.
func songFile(t *testing.T) []byte {
	t.Helper()
	s, err := media.LocalMusic{Length: time.Second}.Generate(context.Background(), media.MusicRequest{Prompt: "a short tune"})
	if err != nil {
		t.Fatal(err)
	}
	return readAndRemove(t, s.Path)
}
