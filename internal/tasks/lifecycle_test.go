package tasks_test

import (
	"context"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/imaging"
	"github.com/kira-art/kira/internal/media"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
	"github.com/kira-art/kira/internal/tasks"
	"github.com/kira-art/kira/internal/view"
)

func TestVideoHappyPath(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		svc := f.service(media.NewLocalVideo(media.LocalVideoOptions{ForceGo: true}), media.LocalMusic{Length: 2 * time.Second})
		user := f.user(t, "pro", 100)
		tk := f.task(t, user, store.MediaVideo, "a red fox in the snow", `{"duration":5,"ratio":"16:9"}`)

		if err := svc.Run(ctx, tk.id, false); err != nil {
			t.Fatal(err)
		}
		f.pub.checkStatuses(t, tk, store.TaskProcessing, store.TaskCompleted)
		if got := f.balance(t, user); got != 100-tasks.VideoCost {
			t.Fatalf("balance %d, want %d", got, 100-tasks.VideoCost)
		}
		f.checkLedger(t, tk, store.MediaVideo, tasks.VideoCost, false)

		done := f.get(t, tk.id)
		if done.Status != store.TaskCompleted || done.ErrorMessage != "" {
			t.Fatalf("task %s %q", done.Status, done.ErrorMessage)
		}
		if done.Width <= done.Height || done.DurationMS < 4500 || done.Blurhash == "" {
			t.Fatalf("16:9 5 s clip recorded as %dx%d, %d ms, blurhash %q", done.Width, done.Height, done.DurationMS, done.Blurhash)
		}
		checkResultFiles(t, f, done, imaging.KindVideo)

		// The completed event carries the signed URLs, as the task routes do.
		events := f.pub.of(t, tk)
		last := events[len(events)-1]
		if last.Type != "video_status" || last.Video == nil || last.Audio != nil {
			t.Fatalf("completed event %+v", last)
		}
		checkVideoView(t, *last.Video, done)
		checkVideoView(t, *f.views.Task(done, view.TaskKeys(done)).Video, done)
		if first := events[0]; first.Video == nil || first.Video.URL != "" {
			t.Fatalf("processing event has a URL: %+v", first.Video)
		}
		f.checkNoOrphans(t, user)
	})
}

func checkVideoView(t *testing.T, v view.Video, done store.MediaTask) {
	t.Helper()
	if v.TaskID != done.ID || v.Status != store.TaskCompleted || v.VideoID != done.ResultFileID || v.ThumbID != done.ThumbFileID {
		t.Fatalf("video view %+v of task %+v", v, done)
	}
	if v.URL == "" || v.ThumbURL == "" || v.URL == v.ThumbURL {
		t.Fatalf("video view url %q thumbUrl %q", v.URL, v.ThumbURL)
	}
}

// checkResultFiles asserts that a completed task's result and thumbnail
// (or cover) have rows of the right kind, owned by the task's user, with
// their objects in storage.
func checkResultFiles(t *testing.T, f *fixture, done store.MediaTask, kind string) {
	t.Helper()
	ctx := context.Background()
	if done.ResultFileID == "" || done.ThumbFileID == "" {
		t.Fatalf("completed task without files: result %q thumb %q", done.ResultFileID, done.ThumbFileID)
	}
	res, err := f.st.GetFile(ctx, done.ResultFileID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Kind != kind || res.UserID != done.UserID || res.Origin != "generated" || res.Size == 0 {
		t.Fatalf("result file %+v", res)
	}
	thumb, err := f.st.GetFile(ctx, done.ThumbFileID)
	if err != nil {
		t.Fatal(err)
	}
	if thumb.Kind != imaging.KindImage || thumb.UserID != done.UserID || thumb.ThumbKey == "" {
		t.Fatalf("thumbnail file %+v", thumb)
	}
	if done.ResultKey != res.StorageKey || done.ThumbKey != thumb.StorageKey {
		t.Fatalf("task keys %q %q, files %q %q", done.ResultKey, done.ThumbKey, res.StorageKey, thumb.StorageKey)
	}
	f.checkBlob(t, "result", res.StorageKey)
	f.checkBlob(t, "thumbnail", thumb.StorageKey)
	f.checkBlob(t, "thumbnail's thumb", thumb.ThumbKey)
}

func TestMusicHappyPath(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		svc := f.service(videoErr(permanentErr()), media.LocalMusic{Length: 2 * time.Second})
		user := f.user(t, "basic", 30)
		tk := f.task(t, user, store.MediaAudio, "a song about lighthouses", `{"style":"lo-fi","title":"Beacon"}`)

		if err := svc.Run(ctx, tk.id, false); err != nil {
			t.Fatal(err)
		}
		f.pub.checkStatuses(t, tk, store.TaskProcessing, store.TaskCompleted)
		if got := f.balance(t, user); got != 30-tasks.MusicCost {
			t.Fatalf("balance %d, want %d", got, 30-tasks.MusicCost)
		}
		f.checkLedger(t, tk, store.MediaAudio, tasks.MusicCost, false)
		done := f.get(t, tk.id)
		if done.Status != store.TaskCompleted || done.DurationMS < 1500 {
			t.Fatalf("task %s, %d ms", done.Status, done.DurationMS)
		}
		checkResultFiles(t, f, done, imaging.KindAudio)
		events := f.pub.of(t, tk)
		last := events[len(events)-1]
		if last.Type != "audio_status" || last.Audio == nil || last.Video != nil {
			t.Fatalf("completed event %+v", last)
		}
		a := last.Audio
		if a.AudioID != done.ResultFileID || a.CoverID != done.ThumbFileID || a.URL == "" || a.CoverURL == "" {
			t.Fatalf("audio view %+v", a)
		}
		f.checkNoOrphans(t, user)
	})
}

// A free plan cannot make video: the task waits in insufficient_plan
// without a charge (the provider is never called); music is allowed.
func TestFreePlan(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		video := videoErr(permanentErr())
		svc := f.service(video, media.LocalMusic{Length: 2 * time.Second})
		user := f.user(t, "free", 100)
		tk := f.task(t, user, store.MediaVideo, "a fox", `{}`)

		if err := svc.Run(ctx, tk.id, false); err != nil {
			t.Fatal(err)
		}
		if got := f.get(t, tk.id).Status; got != store.TaskInsufficientPlan {
			t.Fatalf("free video task %s, want %s", got, store.TaskInsufficientPlan)
		}
		f.pub.checkStatuses(t, tk, store.TaskInsufficientPlan)
		if got := f.balance(t, user); got != 100 {
			t.Fatalf("balance %d, want 100 (no charge)", got)
		}
		if rows := f.ledger(t, user, chargeKey(store.MediaVideo, tk.id)); len(rows) != 0 {
			t.Fatalf("ledger rows for an insufficient_plan task: %v", rows)
		}
		if n := video.calls.Load(); n != 0 {
			t.Fatalf("provider called %d times", n)
		}
		// Running the job again changes nothing: the task waits for a resubmit.
		if err := svc.Run(ctx, tk.id, true); err != nil || f.get(t, tk.id).Status != store.TaskInsufficientPlan {
			t.Fatalf("second run: %v, %s", err, f.get(t, tk.id).Status)
		}

		song := f.task(t, user, store.MediaAudio, "a song", `{}`)
		if err := svc.Run(ctx, song.id, false); err != nil {
			t.Fatal(err)
		}
		if got := f.get(t, song.id).Status; got != store.TaskCompleted {
			t.Fatalf("free music task %s, want completed", got)
		}
		if got := f.balance(t, user); got != 100-tasks.MusicCost {
			t.Fatalf("balance %d after a song, want %d", got, 100-tasks.MusicCost)
		}
	})
}

// A short balance leaves the task in insufficient_credits, uncharged.
func TestInsufficientCredits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		video, music := videoErr(permanentErr()), songErr(permanentErr())
		svc := f.service(video, music)
		for _, c := range []struct {
			kind    string
			balance int
		}{{store.MediaVideo, tasks.VideoCost - 1}, {store.MediaAudio, tasks.MusicCost - 1}} {
			user := f.user(t, "pro", c.balance)
			tk := f.task(t, user, c.kind, "something", `{}`)
			if err := svc.Run(ctx, tk.id, false); err != nil {
				t.Fatal(err)
			}
			if got := f.get(t, tk.id).Status; got != store.TaskInsufficientCredits {
				t.Fatalf("%s task with %d credits: %s", c.kind, c.balance, got)
			}
			f.pub.checkStatuses(t, tk, store.TaskInsufficientCredits)
			if got := f.balance(t, user); got != c.balance {
				t.Fatalf("balance %d, want %d", got, c.balance)
			}
			if rows := f.ledger(t, user, chargeKey(c.kind, tk.id)); len(rows) != 0 {
				t.Fatalf("ledger rows: %v", rows)
			}
		}
		if video.calls.Load()+music.calls.Load() != 0 {
			t.Fatal("a provider was called for an unpaid task")
		}
	})
}

// Running a completed task again (a duplicate or late job) is a no-op.
func TestRunCompletedTaskAgain(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		c := realClip(t)
		video := videoBytes(c, c.data)
		svc := f.service(video, songErr(permanentErr()))
		user := f.user(t, "pro", 200)
		tk := f.task(t, user, store.MediaVideo, "a fox", `{}`)
		if err := svc.Run(ctx, tk.id, false); err != nil {
			t.Fatal(err)
		}
		before := f.get(t, tk.id)
		for _, last := range []bool{false, true} {
			if err := svc.Run(ctx, tk.id, last); err != nil {
				t.Fatal(err)
			}
		}
		after := f.get(t, tk.id)
		if after.Status != store.TaskCompleted || after.ResultFileID != before.ResultFileID || !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Fatalf("task changed by a second run: %+v → %+v", before, after)
		}
		if n := video.calls.Load(); n != 1 {
			t.Fatalf("provider called %d times", n)
		}
		if got := f.balance(t, user); got != 200-tasks.VideoCost {
			t.Fatalf("balance %d, want %d", got, 200-tasks.VideoCost)
		}
		f.checkLedger(t, tk, store.MediaVideo, tasks.VideoCost, false)
		f.pub.checkStatuses(t, tk, store.TaskProcessing, store.TaskCompleted)
		// Settle of a completed task (a reaper finding its slot late) is a
		// no-op too.
		if err := svc.Settle(ctx, tk.id); err != nil {
			t.Fatal(err)
		}
		f.checkLedger(t, tk, store.MediaVideo, tasks.VideoCost, false)
		// And an unknown task is nothing to do.
		if err := svc.Run(ctx, "00000000-0000-0000-0000-000000000000", true); err != nil {
			t.Fatal(err)
		}
	})
}
