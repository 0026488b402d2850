package publish_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/moderation"
	"github.com/kira-art/kira/internal/store"
)

// flagger returns a function taking a publish result directly:
// fl(f.svc.Image(…)) fails the test on error and returns the flags.
func flagger(t *testing.T) func(store.Feed, error) []string {
	return func(feed store.Feed, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return feed.Flags
	}
}

func wantFlags(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s: flags %v, want %v", what, got, want)
	}
}

func kindOf(err error) apperr.Kind {
	if e, ok := apperr.As(err); ok {
		return e.Kind
	}
	return -1
}

func TestPublishImagePipeline(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		fl := flagger(t)
		alice, bob, carol := f.user(), f.user(), f.user()
		img := scene(1, 400, 300)
		first := f.image(alice, img, "a red fox")

		feed, err := f.svc.Image(ctx, alice, first.ID)
		wantFlags(t, "first publish", flagger(t)(feed, err))
		if !feed.Public || feed.ImageID != first.ID || feed.OriginImageID != first.ID || feed.Prompt != "a red fox" ||
			feed.MediaKind != store.MediaImage || feed.UserID != alice {
			t.Fatalf("feed %+v", feed)
		}
		if feed.PublicKey != "p/"+alice+"/"+feed.ID+"/original.png" {
			t.Fatalf("public key %q", feed.PublicKey)
		}
		if !bytes.Equal(f.blob(feed.PublicKey), f.blob(first.StorageKey)) {
			t.Fatal("public copy differs from the original")
		}
		stored, err := f.st.GetFeed(ctx, feed.ID)
		if err != nil || stored.PublicKey != feed.PublicKey || !stored.Public {
			t.Fatalf("stored %+v %v", stored, err)
		}

		// The same picture again, as the same file or re-encoded as JPEG: duplicate.
		again, err := f.svc.Image(ctx, alice, first.ID)
		wantFlags(t, "same file twice", fl(again, err), store.FlagDuplicate)
		if again.Public {
			t.Fatal("a duplicate must be hidden")
		}
		jpg := f.file(alice, "image", "image/jpeg", jpegBytes(t, img), "")
		wantFlags(t, "re-encoded copy", fl(f.svc.Image(ctx, alice, jpg.ID)), store.FlagDuplicate)

		// Another user's copy of a public post is a duplicate too.
		wantFlags(t, "bob copies alice", fl(f.svc.Image(ctx, bob, f.image(bob, img, "").ID)), store.FlagDuplicate)

		// A different picture is fine.
		wantFlags(t, "different picture", fl(f.svc.Image(ctx, alice, f.image(alice, scene(2, 400, 300), "").ID)))

		// Hidden posts are only compared with their owner's new posts: bob's
		// hidden (nsfw) picture does not make carol's copy a duplicate.
		secret := scene(3, 256, 256)
		wantFlags(t, "nsfw prompt", fl(f.svc.Image(ctx, bob, f.image(bob, secret, "nude study").ID)), store.FlagNSFW)
		wantFlags(t, "bob again", fl(f.svc.Image(ctx, bob, f.image(bob, secret, "").ID)), store.FlagDuplicate)
		wantFlags(t, "carol's copy of a hidden post", fl(f.svc.Image(ctx, carol, f.image(carol, secret, "").ID)))
	})
}

func TestPublishModerationNeverFails(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		fl := flagger(t)
		u := f.user()
		// A listed (CSAM) picture, even re-encoded: stored hidden, flagged nsfw.
		blocked := f.file(u, "image", "image/jpeg", jpegBytes(t, blockedImage), "")
		feed, err := f.svc.Image(ctx, u, blocked.ID)
		wantFlags(t, "blocked hash", flagger(t)(feed, err), store.FlagNSFW)
		if feed.Public || feed.PublicKey != "" {
			t.Fatalf("blocked picture: public %v, public copy %q", feed.Public, feed.PublicKey)
		}
		wantFlags(t, "blocked term", fl(f.svc.Image(ctx, u, f.image(u, scene(10, 200, 200), "a Forbidden  phrase").ID)), store.FlagNSFW)

		// A checker that errors, and no checker at all: hidden, not failed.
		checker := f.svc.Checker
		f.svc.Checker = failingChecker{}
		wantFlags(t, "checker error", fl(f.svc.Image(ctx, u, f.image(u, scene(11, 200, 200), "").ID)), store.FlagNSFW)
		f.svc.Checker = nil
		wantFlags(t, "no checker", fl(f.svc.Image(ctx, u, f.image(u, scene(12, 200, 200), "").ID)), store.FlagNSFW)

		// An undecodable image cannot be checked: hidden as well.
		f.svc.Checker = checker
		junk := f.file(u, "image", "image/png", []byte("\x89PNG\r\n\x1a\nnot really"), "")
		wantFlags(t, "undecodable", fl(f.svc.Image(ctx, u, junk.ID)), store.FlagNSFW)

		// A banned author's posts are flagged ban (and still checked).
		f.exec("UPDATE profiles SET banned = TRUE WHERE id = ?", u)
		wantFlags(t, "banned", fl(f.svc.Image(ctx, u, f.image(u, scene(13, 200, 200), "nude").ID)), store.FlagBan, store.FlagNSFW)
	})
}

type failingChecker struct{}

func (failingChecker) CheckImage(context.Context, image.Image) (moderation.Verdict, error) {
	return moderation.Verdict{}, errors.New("moderation API down")
}

func (failingChecker) CheckText(context.Context, string) (moderation.Verdict, error) {
	return moderation.Verdict{}, errors.New("moderation API down")
}

func TestPublishImageRefusals(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		alice, bob := f.user(), f.user()
		mine := f.image(alice, scene(20, 100, 100), "")
		video := f.file(alice, "video", "video/mp4", []byte("mp4"), "")
		for name, id := range map[string]string{"unknown": "gen_" + uuid.NewString(), "another user's": mine.ID, "not an image": video.ID} {
			user := alice
			if name == "another user's" {
				user = bob
			}
			if _, err := f.svc.Image(ctx, user, id); kindOf(err) != apperr.NotFound {
				t.Errorf("%s: %v, want not found", name, err)
			}
		}
	})
}

func TestPublishTasks(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		fl := flagger(t)
		u, other := f.user(), f.user()
		clip := f.file(u, "video", "video/mp4", []byte("fake mp4 bytes"), "")
		thumb := f.image(u, scene(30, 320, 180), "")
		song := f.file(u, "audio", "audio/wav", []byte("RIFF fake wav"), "")
		cover := f.image(u, scene(31, 200, 200), "")

		video := f.task(u, "video", "completed", clip.ID, thumb.ID, `{"duration":5,"ratio":"16:9"}`)
		feed, err := f.svc.Task(ctx, u, store.MediaVideo, video)
		wantFlags(t, "video", flagger(t)(feed, err))
		if feed.TaskID != video || feed.MediaKind != store.MediaVideo || feed.OriginImageID != "" || feed.Prompt != "neon rain" ||
			!strings.HasSuffix(feed.PublicKey, "/"+feed.ID+"/original.mp4") || !bytes.Equal(f.blob(feed.PublicKey), []byte("fake mp4 bytes")) {
			t.Fatalf("video feed %+v", feed)
		}
		// Its thumbnail is compared with videos only: publishing the same
		// picture as an image is not a duplicate of the video.
		wantFlags(t, "image of the thumbnail", fl(f.svc.Image(ctx, u, thumb.ID)))
		wantFlags(t, "video twice", fl(f.svc.Task(ctx, u, store.MediaVideo, video)), store.FlagDuplicate)

		audio := f.task(u, "audio", "completed", song.ID, cover.ID, `{"lyrics":"nude beach party"}`)
		wantFlags(t, "audio with nsfw lyrics", fl(f.svc.Task(ctx, u, store.MediaAudio, audio)), store.FlagNSFW)
		bare := f.task(u, "audio", "completed", song.ID, "", `{}`)
		wantFlags(t, "audio without cover", fl(f.svc.Task(ctx, u, store.MediaAudio, bare)))
		noThumb := f.task(u, "video", "completed", clip.ID, "", `{}`)
		wantFlags(t, "video without thumbnail cannot be cleared", fl(f.svc.Task(ctx, u, store.MediaVideo, noThumb)), store.FlagNSFW)

		cases := []struct {
			name, user, kind, task string
			want                   apperr.Kind
		}{
			{"unknown", u, store.MediaVideo, uuid.NewString(), apperr.NotFound},
			{"another user's", other, store.MediaVideo, video, apperr.NotFound},
			{"wrong kind", u, store.MediaAudio, video, apperr.NotFound},
			{"pending", u, store.MediaVideo, f.task(u, "video", "pending", "", "", `{}`), apperr.Invalid},
			{"failed", u, store.MediaAudio, f.task(u, "audio", "failed", "", "", `{}`), apperr.Invalid},
			{"result deleted", u, store.MediaVideo, f.task(u, "video", "completed", "gen_gone", thumb.ID, `{}`), apperr.Invalid},
		}
		for _, c := range cases {
			_, err := f.svc.Task(ctx, c.user, c.kind, c.task)
			if kindOf(err) != c.want {
				t.Errorf("%s: %v, want kind %d", c.name, err, c.want)
			}
		}
	})
}

func TestDeletePost(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		fl := flagger(t)
		alice, bob := f.user(), f.user()
		img := scene(40, 200, 200)
		feed, err := f.svc.Image(ctx, alice, f.image(alice, img, "").ID)
		if err != nil {
			t.Fatal(err)
		}
		hidden, err := f.svc.Image(ctx, alice, f.image(alice, scene(41, 200, 200), "nude").ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Delete(ctx, bob, feed.ID); kindOf(err) != apperr.Forbidden {
			t.Fatalf("bob deletes alice's public post: %v", err)
		}
		if err := f.svc.Delete(ctx, bob, hidden.ID); kindOf(err) != apperr.NotFound {
			t.Fatalf("bob deletes alice's hidden post: %v", err)
		}
		if err := f.svc.Delete(ctx, alice, feed.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.blobs.Open(ctx, feed.PublicKey); err == nil {
			t.Fatal("public copy survived the delete")
		}
		if err := f.svc.Delete(ctx, alice, feed.ID); kindOf(err) != apperr.NotFound {
			t.Fatalf("second delete: %v", err)
		}
		// The embedding went with it: the same picture is no longer a duplicate.
		wantFlags(t, "republish after delete", fl(f.svc.Image(ctx, alice, f.image(alice, img, "").ID)))
	})
}
