package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

func TestAddThreadFlag(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		th, err := s.CreateThread(ctx, store.Thread{ID: uuid.NewString(), UserID: u.ID, Title: "t"}, userMessage("m1", "hi"))
		if err != nil {
			t.Fatal(err)
		}
		before, _ := s.GetThread(ctx, u.ID, th.ID)

		// Concurrent adds of different flags all land; a repeat is a no-op.
		flags := []string{store.FlagNSFW, "a", "b", "c", store.FlagNSFW}
		var wg sync.WaitGroup
		errs := make([]error, len(flags))
		for i, f := range flags {
			wg.Go(func() { errs[i] = s.AddThreadFlag(ctx, th.ID, f) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetThread(ctx, u.ID, th.ID)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got.Flags)
		if !slices.Equal(got.Flags, []string{"a", "b", "c", store.FlagNSFW}) {
			t.Fatalf("flags %v", got.Flags)
		}
		if !got.UpdatedAt.Equal(before.UpdatedAt) {
			t.Fatalf("a flag moved updated_at: %v → %v", before.UpdatedAt, got.UpdatedAt)
		}

		if err := s.AddThreadFlag(ctx, uuid.NewString(), store.FlagNSFW); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing thread: %v", err)
		}
	})
}
