package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// uploadFixture is a user with a thread and an uploaded video file.
type uploadFixture struct {
	user   store.Profile
	thread store.Thread
	file   store.File
}

func newUploadFixture(t *testing.T, s *store.Store) uploadFixture {
	t.Helper()
	ctx := context.Background()
	u := newUser(t, s)
	th, err := s.CreateThread(ctx, store.Thread{ID: uuid.NewString(), UserID: u.ID, Title: "t"}, userMessage("m1", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	id := "insert_" + uuid.NewString()
	f, err := s.CreateFile(ctx, store.File{ID: id, UserID: u.ID, Kind: "video", Origin: "insert", ContentType: "video/mp4",
		Size: 10, StorageKey: "users/" + u.ID + "/" + id + "/original.mp4", Width: 640, Height: 360})
	if err != nil {
		t.Fatal(err)
	}
	return uploadFixture{user: u, thread: th, file: f}
}

func (f uploadFixture) placeholder(t *testing.T, s *store.Store) store.MediaTask {
	t.Helper()
	task, err := s.CreateJoblessTask(context.Background(), store.MediaTask{ID: uuid.NewString(), UserID: f.user.ID,
		ThreadID: f.thread.ID, Kind: store.MediaVideo, Status: store.TaskCompleted, Provider: store.TaskProviderUpload,
		ResultFileID: f.file.ID, Width: f.file.Width, Height: f.file.Height})
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func TestCreateJoblessTaskStoresAFinishedTaskWithoutAJob(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newUploadFixture(t, s)
		task := f.placeholder(t, s)
		if task.Status != store.TaskCompleted || task.Provider != store.TaskProviderUpload || task.ThreadID != f.thread.ID ||
			task.ResultFileID != f.file.ID || task.ResultKey != f.file.StorageKey || task.ThumbKey != "" ||
			task.Width != 640 || task.Height != 360 || string(task.Params) != "{}" || task.CreatedAt.IsZero() {
			t.Fatalf("stored %+v", task)
		}
		got, err := s.UserTask(ctx, f.user.ID, store.MediaVideo, task.ID)
		if err != nil || got.ResultKey != f.file.StorageKey || !got.CreatedAt.Equal(task.CreatedAt) {
			t.Fatalf("read back %+v, %v", got, err)
		}
		// Nothing runnable was queued: the user has no head task.
		if _, err := s.HeadTask(ctx, f.user.ID, store.MediaVideo); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("head task: %v, want none", err)
		}
	})
}

func TestCreateJoblessTaskRefusesStatusesThatNeedAJob(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newUploadFixture(t, s)
		for _, st := range []string{store.TaskPending, store.TaskProcessing} {
			_, err := s.CreateJoblessTask(context.Background(), store.MediaTask{ID: uuid.NewString(), UserID: f.user.ID,
				Kind: store.MediaVideo, Status: st, Provider: store.TaskProviderUpload})
			if err == nil {
				t.Fatalf("status %s accepted without a job", st)
			}
		}
	})
}

func TestDetachTaskUpload(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newUploadFixture(t, s)
		task := f.placeholder(t, s)
		other := newUser(t, s)
		generated, err := s.CreateJoblessTask(ctx, store.MediaTask{ID: uuid.NewString(), UserID: f.user.ID,
			Kind: store.MediaVideo, Status: store.TaskFailed, Provider: "local", ErrorMessage: "boom"})
		if err != nil {
			t.Fatal(err)
		}
		refused := []struct {
			name, user, kind, id string
		}{
			{"another user's", other.ID, store.MediaVideo, task.ID},
			{"another kind", f.user.ID, store.MediaAudio, task.ID},
			{"not a placeholder", f.user.ID, store.MediaVideo, generated.ID},
			{"unknown", f.user.ID, store.MediaVideo, uuid.NewString()},
		}
		for _, c := range refused {
			if _, err := s.DetachTaskUpload(ctx, c.user, c.kind, c.id); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s: %v, want ErrNotFound", c.name, err)
			}
		}
		for range 2 { // a second detach finds nothing left to clear and succeeds
			got, err := s.DetachTaskUpload(ctx, f.user.ID, store.MediaVideo, task.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != store.TaskCancelled || got.ResultFileID != "" || got.ResultKey != "" || got.Width != 0 {
				t.Fatalf("detached %+v", got)
			}
		}
		if g, err := s.GetTask(ctx, generated.ID); err != nil || g.Status != store.TaskFailed || g.ErrorMessage != "boom" {
			t.Fatalf("the generated task changed: %+v %v", g, err)
		}
	})
}
