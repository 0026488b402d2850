package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// bulkWorld is one user with a thread, a turn with an image and a video
// task, a public post of each, and a like from a second user.
func bulkWorld() (*store.BulkRows, string) {
	ts := time.Date(2026, 5, 1, 12, 0, 0, 123_000, time.UTC)
	u, fan := uuid.NewString(), uuid.NewString()
	thread, version, msg := uuid.NewString(), uuid.NewString(), "m-assistant"
	img, video, thumb, task := "gen_"+uuid.NewString(), "gen_"+uuid.NewString(), "gen_"+uuid.NewString(), uuid.NewString()
	seed := int64(42)
	imagePost, videoPost := uuid.NewString(), uuid.NewString()
	b := &store.BulkRows{
		Profiles: []store.Profile{
			{ID: u, Email: "a@example.com", Nickname: "a", Plan: "free", Credit: 15, Language: "en", ReferralCode: "R" + u[:8],
				LastCreditIssuedAt: &ts, CreatedAt: ts, UpdatedAt: ts},
			{ID: fan, Nickname: "fan", Plan: "pro", Credit: 2000, Language: "ja", CreatedAt: ts, UpdatedAt: ts},
		},
		Files: []store.BulkFile{
			{File: store.File{ID: img, UserID: u, Kind: "image", Origin: "gen", ContentType: "image/png", Size: 10,
				StorageKey: "k/img.png", Width: 64, Height: 32, Blurhash: "LEHV", PublicKey: "k/img.png", Prompt: "cat",
				Seed: &seed, ToolCallID: "call_1", ToolName: "generateImage", CreatedAt: ts}},
			{File: store.File{ID: video, UserID: u, Kind: "video", Origin: "gen", ContentType: "video/mp4", Size: 99,
				StorageKey: "k/v.mp4", Width: 64, Height: 32, PublicKey: "k/v.mp4", CreatedAt: ts}, DurationMS: 5000},
			{File: store.File{ID: thumb, UserID: u, Kind: "image", Origin: "gen", ContentType: "image/png", Size: 5,
				StorageKey: "k/t.png", Width: 64, Height: 32, CreatedAt: ts}},
		},
		Ledger:   []store.LedgerEntry{{ID: uuid.NewString(), UserID: u, EntryKey: "signup:" + u, CreditDelta: 15, Reason: "signup_bonus", CreatedAt: ts}},
		Threads:  []store.Thread{{ID: thread, UserID: u, Title: "Cats", TitleSource: "model", ThumbImageID: img, CreatedAt: ts, UpdatedAt: ts}},
		Messages: []store.Message{{ThreadID: thread, ID: msg, UserID: u, Role: "assistant", Body: []byte(`{"id":"m-assistant","role":"assistant","parts":[]}`), CreatedAt: ts, UpdatedAt: ts}},
		Versions: []store.Version{{ID: version, UserID: u, ThreadID: thread, MessageID: msg, CreatedAt: ts}},
		VersionImages: []store.BulkVersionImage{{VersionID: version, Position: 0,
			VersionImage: store.VersionImage{ImageID: img, Data: []byte(`{"imageId":"` + img + `"}`)}}},
		Tasks: []store.BulkTask{{MediaTask: store.MediaTask{ID: task, UserID: u, ThreadID: thread, VersionID: version,
			MessageID: msg, Kind: store.MediaVideo, Status: "completed", Provider: "local", Prompt: "move",
			Params: []byte(`{"duration":5}`), SourceImageID: img, ResultFileID: video, ThumbFileID: thumb, Width: 64,
			Height: 32, DurationMS: 5000, CreatedAt: ts, UpdatedAt: ts}, StartedAt: &ts, FinishedAt: &ts}},
		Feeds: []store.Feed{
			{ID: imagePost, UserID: u, MediaKind: store.MediaImage, ImageID: img, OriginImageID: img, ThreadID: thread,
				MessageID: msg, PublicKey: "k/img.png", Prompt: "cat", Public: true, Featured: true, LikedNumber: 1,
				CreatedAt: ts, UpdatedAt: ts},
			{ID: videoPost, UserID: u, MediaKind: store.MediaVideo, TaskID: task, ThreadID: thread, MessageID: msg,
				PublicKey: "k/v.mp4", Prompt: "move", Flags: []string{store.FlagNSFW}, CreatedAt: ts, UpdatedAt: ts},
		},
		Likes: []store.Like{{FeedID: imagePost, UserID: fan, CreatedAt: ts}},
	}
	return b, fan
}

// TestBulkInsertReadsBack: rows written in bulk read back through the
// store's own queries field for field, on both databases.
func TestBulkInsertReadsBack(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		b, fan := bulkWorld()
		if b.Len() != 14 {
			t.Fatalf("Len %d", b.Len())
		}
		if err := s.BulkInsert(ctx, b); err != nil {
			t.Fatal(err)
		}
		for _, want := range b.Profiles {
			got, err := s.GetProfile(ctx, want.ID)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("profile:\n got %+v %v\nwant %+v", got, err, want)
			}
		}
		for _, want := range b.Files {
			got, err := s.GetFile(ctx, want.ID)
			if err != nil || !reflect.DeepEqual(got, want.File) {
				t.Fatalf("file:\n got %+v %v\nwant %+v", got, err, want.File)
			}
		}
		for _, want := range b.Feeds {
			got, err := s.GetFeed(ctx, want.ID)
			if want.Flags == nil {
				want.Flags = []string{}
			}
			if err != nil || got.Public != want.Public || got.LikedNumber != want.LikedNumber ||
				!reflect.DeepEqual(got.Flags, want.Flags) || got.TaskID != want.TaskID || !got.CreatedAt.Equal(want.CreatedAt) {
				t.Fatalf("feed:\n got %+v %v\nwant %+v", got, err, want)
			}
		}
		if liked, err := isLiked(s, ctx, b.Feeds[0].ID, fan); err != nil || !liked {
			t.Fatalf("like: %v %v", liked, err)
		}
		msgs, err := s.ListMessages(ctx, b.Threads[0].ID)
		if err != nil || len(msgs) != 1 || string(msgs[0].Body) != string(b.Messages[0].Body) || msgs[0].Format != store.FormatV5 {
			t.Fatalf("messages: %+v %v", msgs, err)
		}
		vs, err := s.ListVersions(ctx, b.Threads[0].ID)
		if err != nil || len(vs) != 1 || len(vs[0].Images) != 1 || vs[0].Images[0].ImageID != b.Files[0].ID {
			t.Fatalf("versions: %+v %v", vs, err)
		}
		// A second load of the same rows is refused as a whole.
		if err := s.BulkInsert(ctx, b); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate bulk insert: %v", err)
		}
	})
}
