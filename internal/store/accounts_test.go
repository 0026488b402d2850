package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

func TestDeletionScheduleStatusCancel(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		if _, err := s.DeletionStatus(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("status before: %v", err)
		}
		if err := s.CancelDeletion(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("cancel nothing: %v", err)
		}
		before := time.Now()
		d, err := s.ScheduleDeletion(ctx, u.ID, "too_expensive", "", time.Hour, 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.DeleteAt.Sub(before); got < time.Hour-time.Second || got > time.Hour+time.Second {
			t.Fatalf("delete at %v after request", got)
		}
		if _, err := s.ScheduleDeletion(ctx, u.ID, "again", "", time.Hour, time.Minute); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second schedule: want ErrConflict, got %v", err)
		}
		st, err := s.DeletionStatus(ctx, u.ID)
		if err != nil || !st.DeleteAt.Equal(d.DeleteAt) || st.Reason != "too_expensive" {
			t.Fatalf("status %+v %v, want %+v", st, err, d)
		}
		jobCount(t, s, "send_mail", "available", 1)
		jobCount(t, s, "send_mail", "scheduled", 1)
		jobCount(t, s, "delete_account", "scheduled", 1)
		if err := s.CancelDeletion(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeletionStatus(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("status after cancel: %v", err)
		}
		jobCount(t, s, "delete_account", "cancelled", 1)
		jobCount(t, s, "send_mail", "cancelled", 1) // the reminder
		jobCount(t, s, "send_mail", "available", 2) // scheduled + cancelled mails
		if _, err := s.ScheduleDeletion(ctx, u.ID, "back", "text", time.Hour, time.Minute); err != nil {
			t.Fatalf("schedule after cancel: %v", err)
		}
		jobCount(t, s, "send_mail", "available", 3) // a new request's own event
	})
}

func jobCount(t *testing.T, s *store.Store, kind, state string, want int64) {
	t.Helper()
	n, err := s.CountForTest(context.Background(), "SELECT COUNT(*) FROM river_job WHERE kind = ? AND state = ?", kind, state)
	if err != nil || n != want {
		t.Fatalf("river_job %s/%s: %d %v, want %d", kind, state, n, err, want)
	}
}

// seedAccount gives u a row in every table that holds user data.
func seedAccount(t *testing.T, s *store.Store, u store.Profile) store.Feed {
	t.Helper()
	ctx := context.Background()
	th, err := s.CreateThread(ctx, store.Thread{ID: uuid.NewString(), UserID: u.ID, Title: "t"}, userMessage("m1", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFeed(t, s, u.ID, store.MediaImage)
	ts := time.Now().UnixMicro()
	vid, fid, filter := uuid.NewString(), uuid.NewString(), "flt_"+u.ID
	for _, st := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO versions (id, user_id, thread_id, message_id, created_at) VALUES (?, ?, ?, 'm1', ?)`, []any{vid, u.ID, th.ID, ts}},
		{`INSERT INTO version_images (version_id, image_id, position) VALUES (?, ?, 0)`, []any{vid, fid}},
		{`INSERT INTO files (id, user_id, kind, origin, content_type, storage_key, created_at) VALUES (?, ?, 'image', 'generated', 'image/png', 'u/x', ?)`, []any{fid, u.ID, ts}},
		{`INSERT INTO media_tasks (id, user_id, thread_id, kind, status, provider, created_at, updated_at) VALUES (?, ?, ?, 'video', 'pending', 'local', ?, ?)`, []any{uuid.NewString(), u.ID, th.ID, ts, ts}},
		{`INSERT INTO agent_runs (id, thread_id, user_id, status, started_at) VALUES (?, ?, ?, 'done', ?)`, []any{uuid.NewString(), th.ID, u.ID, ts}},
		{`INSERT INTO embeddings (feed_id, user_id, model, dims, vector, is_public, created_at) VALUES (?, ?, 'm', 1, ?, TRUE, ?)`, []any{f.ID, u.ID, []byte{0, 0, 0, 0}, ts}},
		{`INSERT INTO filters (id, name, category, prompt, updated_at) VALUES (?, 'n', 'c', 'p', ?)`, []any{filter, ts}},
		{`INSERT INTO filter_favourites (user_id, filter_id, created_at) VALUES (?, ?, ?)`, []any{u.ID, filter, ts}},
		{`INSERT INTO credit_ledger (id, user_id, entry_key, reason, created_at) VALUES (?, ?, ?, 'test', ?)`, []any{uuid.NewString(), u.ID, "k_" + u.ID, ts}},
		{`INSERT INTO work_slots (scope, n, task_id, lease_until) VALUES (?, 0, 'x', ?)`, []any{"user:" + u.ID + ":video", ts}},
	} {
		if err := s.ExecForTest(ctx, st.q, st.args...); err != nil {
			t.Fatalf("%s: %v", st.q, err)
		}
	}
	return f
}

func TestDeleteUserLeavesNoRowsAndExactCounts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		gone, kept, third := newUser(t, s), newUser(t, s), newUser(t, s)
		goneFeed, keptFeed := seedAccount(t, s, gone), seedAccount(t, s, kept)
		keptFeed2 := newFeed(t, s, kept.ID, store.MediaImage)
		for _, l := range [][2]string{{keptFeed.ID, gone.ID}, {keptFeed.ID, third.ID}, {keptFeed2.ID, gone.ID},
			{goneFeed.ID, kept.ID}, {goneFeed.ID, gone.ID}} {
			if _, err := s.LikeFeed(ctx, l[0], l[1]); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetReferredByForTest(ctx, kept.ID, gone.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ScheduleDeletion(ctx, gone.ID, "r", "", time.Hour, time.Minute); err != nil {
			t.Fatal(err)
		}
		d, err := s.DeleteUser(ctx, gone.ID)
		if err != nil || !d.Found {
			t.Fatalf("delete: %+v %v", d, err)
		}
		if !slices.Equal(d.FeedIDs, []string{goneFeed.ID}) || len(d.LikedFeedIDs) != 2 || len(d.CancelledTaskIDs) != 1 {
			t.Fatalf("deleted %+v", d)
		}
		for id, want := range map[string]int64{keptFeed.ID: 1, keptFeed2.ID: 0} {
			n, err := s.CountForTest(ctx, "SELECT liked_number FROM feeds WHERE id = ?", id)
			rows, _ := s.CountForTest(ctx, "SELECT COUNT(*) FROM likes WHERE feed_id = ?", id)
			if err != nil || n != want || rows != want {
				t.Fatalf("post %s: liked_number %d rows %d %v, want %d", id, n, rows, err, want)
			}
		}
		assertNoRowsOf(t, s, gone.ID)
		if n, _ := s.CountForTest(ctx, "SELECT COUNT(*) FROM profiles WHERE referred_by = ?", gone.ID); n != 0 {
			t.Fatalf("%d profiles still name the deleted referrer", n)
		}
		if n, _ := s.CountForTest(ctx, "SELECT COUNT(*) FROM feeds WHERE user_id = ?", kept.ID); n != 2 {
			t.Fatalf("the other user has %d posts, want 2", n)
		}
		jobCount(t, s, "delete_account", "cancelled", 1)
		jobCount(t, s, "delete_blob_prefix", "available", 2)
		jobCount(t, s, "external_cleanup", "available", 3)
		jobCount(t, s, "send_mail", "available", 2) // "scheduled" and "completed"
		jobCount(t, s, "send_mail", "cancelled", 1) // the reminder
		if again, err := s.DeleteUser(ctx, gone.ID); err != nil || again.Found {
			t.Fatalf("second delete: %+v %v", again, err)
		}
		jobCount(t, s, "external_cleanup", "available", 3)
		if d, err := s.DeleteUser(ctx, uuid.NewString()); err != nil || d.Found {
			t.Fatalf("unknown user: %+v %v", d, err)
		}
	})
}

// assertNoRowsOf checks every table with a user, post or thread column for
// rows that still point at the user or at the user's posts and threads.
func assertNoRowsOf(t *testing.T, s *store.Store, userID string) {
	t.Helper()
	ctx := context.Background()
	tables, err := s.ReferenceColumnsForTest(ctx, "user_id", "feed_id", "thread_id")
	if err != nil || len(tables) < 10 {
		t.Fatalf("schema: %v %v", tables, err)
	}
	owned := map[string]string{
		"user_id":   "?",
		"feed_id":   "SELECT id FROM feeds WHERE user_id = ?",
		"thread_id": "SELECT id FROM threads WHERE user_id = ?",
	}
	for table, cols := range tables {
		for _, col := range cols {
			q := "SELECT COUNT(*) FROM " + table + " WHERE " + col + " IN (" + owned[col] + ")"
			if n, err := s.CountForTest(ctx, q, userID); err != nil || n != 0 {
				t.Errorf("%s.%s: %d rows left (%v)", table, col, n, err)
			}
		}
	}
	for q, arg := range map[string]string{
		"SELECT COUNT(*) FROM profiles WHERE id = ?":                                            userID,
		"SELECT COUNT(*) FROM work_slots WHERE scope LIKE ?":                                    "user:" + userID + ":%",
		"SELECT COUNT(*) FROM version_images WHERE version_id NOT IN (SELECT id FROM versions)": "",
		"SELECT COUNT(*) FROM messages WHERE thread_id NOT IN (SELECT id FROM threads)":         "",
	} {
		args := []any{arg}
		if arg == "" {
			args = nil
		}
		if n, err := s.CountForTest(ctx, q, args...); err != nil || n != 0 {
			t.Errorf("%s: %d rows left (%v)", q, n, err)
		}
	}
}
