package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

func TestFileDerivativesCopiesAndDelete(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		id := "insert_" + uuid.NewString()
		if _, err := s.CreateFile(ctx, store.File{ID: id, UserID: u.ID, Kind: "image", Origin: "insert",
			ContentType: "image/png", Size: 10, StorageKey: "u/x/original.png"}); err != nil {
			t.Fatal(err)
		}
		f, err := s.SetFileDerivatives(ctx, id, store.FileDerivatives{Width: 640, Height: 480, Blurhash: "LEHV6nWB2yk8",
			ThumbKey: "u/x/thumb.jpg", BlurKey: "u/x/blur.jpg"})
		if err != nil || f.Width != 640 || f.Height != 480 || f.Blurhash != "LEHV6nWB2yk8" || f.ThumbKey != "u/x/thumb.jpg" ||
			f.BlurKey != "u/x/blur.jpg" || f.Size != 10 || f.UserID != u.ID {
			t.Fatalf("derivatives: %+v %v", f, err)
		}
		if err := s.SetFileWatermarkKey(ctx, id, "u/x/watermark.jpg"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetFilePublicKey(ctx, id, "p/x/public.png"); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetFile(ctx, id)
		// The public copy is the post's: not among the file's keys.
		want := []string{"u/x/original.png", "u/x/thumb.jpg", "u/x/blur.jpg", "u/x/watermark.jpg"}
		if err != nil || !slices.Equal(got.Keys(), want) || got.PublicKey != "p/x/public.png" {
			t.Fatalf("keys %v %v", got.Keys(), err)
		}
		if got.Moderation != "" || !got.ModeratedAt.IsZero() {
			t.Fatalf("unchecked file has a verdict: %+v", got)
		}
		checked, err := s.SetFileModeration(ctx, id, store.ModerationClear)
		if err != nil || checked.Moderation != store.ModerationClear || checked.ModeratedAt.IsZero() {
			t.Fatalf("moderation verdict: %+v %v", checked, err)
		}
		if again, _ := s.GetFile(ctx, id); again.Moderation != store.ModerationClear || !again.ModeratedAt.Equal(checked.ModeratedAt) {
			t.Fatalf("verdict not stored: %+v", again)
		}
		deleted, err := s.DeleteFile(ctx, id)
		if err != nil || !slices.Equal(deleted.Keys(), want) {
			t.Fatalf("delete returned %+v %v", deleted, err)
		}
		if _, err := s.GetFile(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
		if _, err := s.DeleteFile(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		if _, err := s.SetFileDerivatives(ctx, id, store.FileDerivatives{Width: 1}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("derivatives of a missing file: %v", err)
		}
		if _, err := s.SetFileModeration(ctx, id, store.ModerationClear); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("verdict of a missing file: %v", err)
		}
		if err := s.SetFilePublicKey(ctx, id, "k"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("public key of a missing file: %v", err)
		}
	})
}
