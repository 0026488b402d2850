package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// feedsOf keeps the posts of a page read with its joins (for comparing ids).
func feedsOf(rows []store.FeedRow, err error) ([]store.Feed, error) {
	out := make([]store.Feed, len(rows))
	for i, r := range rows {
		out[i] = r.Feed
	}
	return out, err
}

func rowIDs(rows []store.FeedRow) []store.Feed {
	out, _ := feedsOf(rows, nil)
	return out
}

// isLiked reports whether userID likes the post.
func isLiked(s *store.Store, ctx context.Context, feedID, userID string) (bool, error) {
	liked, err := s.LikedBy(ctx, userID, []string{feedID})
	return liked[feedID], err
}

// TestFeedRowsJoinWhatThePostShows checks the one-query page against the
// plain lists (same posts, same order) and that every join lands on the
// right row: author and avatar, image file, task and its cover, the
// viewer's like.
func TestFeedRowsJoinWhatThePostShows(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, fan := newUser(t, s), newUser(t, s)
		avatar := feedRowFile(t, s, u.ID, "thumb.jpg")
		if _, err := s.UpdateProfile(ctx, u.ID, store.ProfilePatch{SetAvatar: true, AvatarImageID: avatar.ID}); err != nil {
			t.Fatal(err)
		}
		img := feedRowFile(t, s, u.ID, "")
		imagePost, err := s.CreateFeed(ctx, store.Feed{ID: uuid.NewString(), UserID: u.ID, MediaKind: store.MediaImage,
			ImageID: img.ID, PublicKey: "public/x.png", Prompt: "fox"}, "")
		if err != nil {
			t.Fatal(err)
		}
		cover := feedRowFile(t, s, u.ID, "")
		taskID := uuid.NewString()
		if err := s.ExecForTest(ctx, `INSERT INTO media_tasks (id, user_id, kind, status, provider, prompt, params,
			result_file_id, thumb_file_id, duration_ms, created_at, updated_at)
			VALUES (?, ?, 'audio', 'completed', 'local', 'song', '{"lyrics":"la"}', 'res', ?, 2500, 5, 5)`,
			taskID, u.ID, cover.ID); err != nil {
			t.Fatal(err)
		}
		songPost, err := s.CreateFeed(ctx, store.Feed{ID: uuid.NewString(), UserID: u.ID, MediaKind: store.MediaAudio,
			TaskID: taskID, Prompt: "song"}, "")
		if err != nil {
			t.Fatal(err)
		}
		hidden := newFeed(t, s, u.ID, store.MediaImage, store.FlagNSFW)
		if _, err := s.LikeFeed(ctx, imagePost.ID, fan.ID); err != nil {
			t.Fatal(err)
		}

		rows, err := s.PublicFeedRows(ctx, "", nil, 0, 10, fan.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameIDs(t, "public rows", rowIDs(rows), songPost, imagePost)
		song, image := rows[0], rows[1]
		if !image.Liked || song.Liked || image.LikedNumber != 1 {
			t.Errorf("liked: image %v (%d), song %v", image.Liked, image.LikedNumber, song.Liked)
		}
		if !image.Owner.Found || image.Owner.Nickname != u.Nickname || image.Owner.AvatarKey != avatar.ThumbKey {
			t.Errorf("owner %+v, want nickname %q avatar %q", image.Owner, u.Nickname, avatar.ThumbKey)
		}
		if image.Image == nil || image.Image.ID != img.ID || image.Image.StorageKey != img.StorageKey || image.Task != nil {
			t.Errorf("image join %+v", image.Image)
		}
		if song.Task == nil || song.Task.ID != taskID || song.Task.DurationMS != 2500 || string(song.Task.Params) != `{"lyrics":"la"}` ||
			song.TaskThumbKey != cover.StorageKey || song.Image != nil {
			t.Errorf("task join %+v, thumb %q", song.Task, song.TaskThumbKey)
		}
		if anon, _ := s.PublicFeedRows(ctx, "", nil, 0, 10, ""); anon[1].Liked {
			t.Error("anonymous viewers like nothing")
		}
		if rows, _ := s.PublicFeedRows(ctx, store.MediaAudio, nil, 0, 10, ""); len(rows) != 1 || rows[0].ID != songPost.ID {
			t.Errorf("audio rows %v", rowIDs(rows))
		}

		all, _ := s.UserFeedRows(ctx, u.ID, true, 0, 10, u.ID)
		sameIDs(t, "user rows with hidden", rowIDs(all), hidden, songPost, imagePost)
		liked, _ := s.LikedFeedRows(ctx, fan.ID, 0, 10, "")
		sameIDs(t, "liked rows", rowIDs(liked), imagePost)
		if err := s.SetFeedFeatured(ctx, songPost.ID, true); err != nil {
			t.Fatal(err)
		}
		featured, _ := s.FeaturedFeedRows(ctx, 50, "")
		sameIDs(t, "featured rows", rowIDs(featured), songPost)

		one, err := s.FeedRowByID(ctx, hidden.ID, "")
		if err != nil || one.ID != hidden.ID || len(one.Flags) != 1 || one.Image != nil {
			t.Errorf("row by id: %+v %v", one, err)
		}
		if _, err := s.FeedRowByID(ctx, uuid.NewString(), ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing row: %v", err)
		}
	})
}

// feedRowFile registers an image file of userID; thumb names a thumbnail
// derivative ("" = none).
func feedRowFile(t *testing.T, s *store.Store, userID, thumb string) store.File {
	t.Helper()
	id := "gen_" + uuid.NewString()
	f := store.File{ID: id, UserID: userID, Kind: "image", Origin: "gen", ContentType: "image/png", Size: 1,
		StorageKey: userID + "/" + id + "/original.png", Width: 4, Height: 3}
	if thumb != "" {
		f.ThumbKey = userID + "/" + id + "/" + thumb
	}
	f, err := s.CreateFile(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
