package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

func TestRunLifecycle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		th, err := s.CreateThread(ctx, store.Thread{ID: uuid.NewString(), UserID: u.ID, Title: "t"}, userMessage("u1", "hi"))
		if err != nil {
			t.Fatal(err)
		}
		r := store.Run{ID: uuid.NewString(), ThreadID: th.ID, UserID: u.ID, UserMessageID: "u2", AssistantMessageID: "a2",
			LeaseUntil: time.Now().Add(time.Minute)}
		um := userMessage("u2", "draw")
		um.ThreadID, um.UserID = th.ID, u.ID
		if _, err := s.StartRun(ctx, r, &um); err != nil {
			t.Fatal(err)
		}
		second := r
		second.ID = uuid.NewString()
		if _, err := s.StartRun(ctx, second, nil); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second running run: want ErrConflict, got %v", err)
		}
		if active, err := s.ActiveRun(ctx, th.ID); err != nil || active.ID != r.ID {
			t.Fatalf("active run %+v %v", active, err)
		}
		am := store.Message{ThreadID: th.ID, UserID: u.ID, ID: "a2", Role: "assistant", Body: []byte(`{"id":"a2","role":"assistant","parts":[]}`)}
		v, err := s.FinishRun(ctx, store.RunResult{RunID: r.ID, Status: store.RunCompleted, Assistant: &am,
			Tasks: []store.MediaTask{{ID: uuid.NewString(), Kind: "video", Status: "pending", Provider: "local", Prompt: "waves"}}})
		if err != nil || v == nil || len(v.Tasks) != 1 || v.MessageID != "a2" {
			t.Fatalf("finish: %+v %v", v, err)
		}
		if _, err := s.ActiveRun(ctx, th.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("finished run still active: %v", err)
		}
		if _, err := s.FinishRun(ctx, store.RunResult{RunID: r.ID, Status: store.RunFailed}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("finishing twice: %v", err)
		}
		msgs, _ := s.ListMessages(ctx, th.ID)
		if len(msgs) != 3 {
			t.Fatalf("%d messages, want 3", len(msgs))
		}
		cut, err := s.TruncateAfter(ctx, th.ID, "u1")
		if err != nil || len(cut.CancelledTaskIDs) != 1 {
			t.Fatalf("truncate: %+v %v", cut, err)
		}
		msgs, _ = s.ListMessages(ctx, th.ID)
		vs, _ := s.ListVersions(ctx, th.ID)
		if len(msgs) != 1 || len(vs) != 0 {
			t.Fatalf("after truncate: %d messages %d versions", len(msgs), len(vs))
		}
	})
}

func TestClaimExpiredRuns(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		th, _ := s.CreateThread(ctx, store.Thread{ID: uuid.NewString(), UserID: u.ID, Title: "t"}, userMessage("u1", "hi"))
		r := store.Run{ID: uuid.NewString(), ThreadID: th.ID, UserID: u.ID, Instance: "dead", LeaseUntil: time.Now().Add(-time.Second)}
		if _, err := s.StartRun(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
		until := time.Now().Add(time.Minute)
		claimed, err := s.ClaimExpiredRuns(ctx, time.Now(), "heir", until)
		if err != nil || len(claimed) != 1 || claimed[0].ID != r.ID || claimed[0].Instance != "heir" {
			t.Fatalf("claimed %+v %v", claimed, err)
		}
		// A second claimer finds nothing: the lease is the heir's now.
		if again, err := s.ClaimExpiredRuns(ctx, time.Now(), "other", until); err != nil || len(again) != 0 {
			t.Fatalf("second claim %+v %v", again, err)
		}
		got, _ := s.GetRun(ctx, r.ID)
		if got.Status != store.RunRunning || got.Instance != "heir" {
			t.Fatalf("run after claim: %+v", got)
		}
		// The dead owner is fenced out of renewing and finishing.
		if err := s.RenewRunLease(ctx, r.ID, "dead", until); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("renew by the old owner: %v", err)
		}
		if _, err := s.FinishRun(ctx, store.RunResult{RunID: r.ID, Instance: "dead", Status: store.RunFailed}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("finish by the old owner: %v", err)
		}
		if err := s.RenewRunLease(ctx, r.ID, "heir", until); err != nil {
			t.Fatalf("renew by the heir: %v", err)
		}
		if _, err := s.FinishRun(ctx, store.RunResult{RunID: r.ID, Instance: "heir", Status: store.RunCompleted}); err != nil {
			t.Fatalf("finish by the heir: %v", err)
		}
	})
}
