package httpapi_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
)

func csamError(t *testing.T, r response) {
	t.Helper()
	expect(t, r, 451)
	var body struct{ Message, Error string }
	r.json(t, &body)
	if body.Error != "csam_blocked" || body.Message == "" {
		t.Fatalf("451 body %s", r.Body)
	}
}

// expectGone checks an image's row and every stored object are gone.
func (e *env) expectGone(img *imageJSON) {
	e.t.Helper()
	if _, err := e.store.GetFile(context.Background(), img.ImageID); !errors.Is(err, store.ErrNotFound) {
		e.t.Fatalf("row of %s remains: %v", img.ImageID, err)
	}
	for _, u := range []string{img.URL, img.ThumbURL, img.BlurURL} {
		expect(e.t, e.fetch(u), 404)
	}
}

func TestImageCheck(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		fine := e.uploadImage(u, gradient(200, 100)).Image
		var ok map[string]string
		expect(t, e.do("POST", "/image/check/"+fine.ImageID, "", nil), 200).json(t, &ok)
		if ok["message"] != "ok" {
			t.Fatalf("check answered %v", ok)
		}
		expect(t, e.do("POST", "/image/check/"+fine.ImageID, u.Token, nil), 200)
		expect(t, e.fetch(fine.URL), 200)
		// The verdict is stored, so re-checks answer without decoding.
		if f, err := e.store.GetFile(context.Background(), fine.ImageID); err != nil || f.Moderation != store.ModerationClear {
			t.Fatalf("verdict not stored: %+v %v", f, err)
		}

		// The listed picture, even re-uploaded at another size, is deleted with
		// its derivatives; anyone holding the id may ask.
		bad := e.uploadImage(u, resize(blockedImage(), 240, 180)).Image
		csamError(t, e.do("POST", "/image/check/"+bad.ImageID, "not-a-token", nil))
		e.expectGone(bad)
		expect(t, e.do("POST", "/image/check/"+bad.ImageID, "", nil), 404)

		// A checker that cannot decide never lets the image through silently.
		flaky := e.uploadImage(u, gradient(unavailableW, unavailableH)).Image
		expectError(t, e.do("POST", "/image/check/"+flaky.ImageID, "", nil), 503, "unavailable")
		expect(t, e.fetch(flaky.URL), 200)

		expect(t, e.do("POST", "/image/check/insert_"+uuid.NewString(), "", nil), 404)
		expectError(t, e.bad("POST", "/image/check/..%2Fx", "", nil), 400, "imageId")
	})
}

func TestAvatarIsCSAMChecked(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		first := e.uploadImage(u, gradient(100, 100)).Image
		var p map[string]any
		expect(t, e.do("PUT", "/user/profile", u.Token, map[string]any{"avatarImageId": first.ImageID}), 200).json(t, &p)
		if p["avatarUrl"] == nil {
			t.Fatalf("avatar not set: %v", p)
		}

		bad := e.uploadImage(u, blockedImage()).Image
		csamError(t, e.do("PUT", "/user/profile", u.Token, map[string]any{"avatarImageId": bad.ImageID, "nickname": "Changed"}))
		e.expectGone(bad)
		prof, err := e.store.GetProfile(context.Background(), u.ID)
		if err != nil || prof.AvatarImageID != first.ImageID || prof.Nickname == "Changed" {
			t.Fatalf("a blocked avatar changed the profile: %+v %v", prof, err)
		}

		flaky := e.uploadImage(u, gradient(unavailableW, unavailableH)).Image
		expectError(t, e.do("PUT", "/user/profile", u.Token, map[string]any{"avatarImageId": flaky.ImageID}), 503, "unavailable")
		if prof, _ := e.store.GetProfile(context.Background(), u.ID); prof.AvatarImageID != first.ImageID {
			t.Fatalf("avatar changed despite a failed check: %+v", prof)
		}
		expect(t, e.fetch(flaky.URL), 200) // not deleted: nothing was decided

		// A foreign image never reaches the check.
		other := e.newUser()
		theirs := e.uploadImage(other, blockedImage()).Image
		expectError(t, e.bad("PUT", "/user/profile", u.Token, map[string]any{"avatarImageId": theirs.ImageID}), 400, "avatarImageId")
		expect(t, e.fetch(theirs.URL), 200)
	})
}
