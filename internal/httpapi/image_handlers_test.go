package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/store"
)

func TestGetImageAndImages(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		a, b := e.uploadImage(u, gradient(120, 80)), e.uploadImage(u, gradient(64, 64))
		video := e.uploadFile(u, "v.mp4", []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"))
		var v uploaded
		expect(t, video, 200).json(t, &v)

		var got imageJSON
		expect(t, e.do("GET", "/image/"+a.FileID, "", nil), 200).json(t, &got)
		if !sameImage(got, *a.Image) {
			t.Fatalf("GET /image = %+v, upload said %+v", got, *a.Image)
		}
		expect(t, e.do("GET", "/image/insert_"+uuid.NewString(), "", nil), 404)
		expect(t, e.do("GET", "/image/"+v.FileID, "", nil), 404) // a video is not an image
		expectError(t, e.bad("GET", "/image/..%2F..%2Fetc%2Fpasswd", "", nil), 400, "imageId")
		expectError(t, e.bad("GET", "/image/a.b", "", nil), 400, "imageId")

		var list struct{ Images []imageJSON }
		ids := []string{b.FileID, "insert_" + uuid.NewString(), a.FileID, v.FileID, b.FileID}
		expect(t, e.do("GET", "/images/"+strings.Join(ids, ","), "", nil), 200).json(t, &list)
		if len(list.Images) != 3 || list.Images[0].ImageID != b.FileID || list.Images[1].ImageID != a.FileID ||
			list.Images[2].ImageID != b.FileID || !sameImage(list.Images[1], *a.Image) {
			t.Fatalf("images %+v", list.Images)
		}

		many := make([]string, 101)
		for i := range many {
			many[i] = a.FileID
		}
		expectError(t, e.bad("GET", "/images/"+strings.Join(many, ","), "", nil), 400, "at most 100")
		expect(t, e.do("GET", "/images/"+strings.Join(many[:100], ","), "", nil), 200).json(t, &list)
		if len(list.Images) != 100 {
			t.Fatalf("100 ids gave %d images", len(list.Images))
		}
		expectError(t, e.bad("GET", "/images/"+a.FileID+",,"+b.FileID, "", nil), 400, "imageIds")
		expectError(t, e.bad("GET", "/images/"+a.FileID+",..%2Fx", "", nil), 400, "imageIds")
	})
}

// registerGenImage stores a PNG as an AI output would be registered: bytes
// and a row, no derivatives yet.
func (e *env) registerGenImage(owner user, w, h int) string {
	e.t.Helper()
	ctx := context.Background()
	expect(e.t, e.do("GET", "/user/profile", owner.Token, nil), 200)
	id := "gen_" + uuid.NewString()
	key := blob.FileKey(owner.ID, id, "original.png")
	if _, err := e.api.Blobs.Put(ctx, key, bytes.NewReader(pngBytes(e.t, gradient(w, h))), "image/png"); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.store.CreateFile(ctx, store.File{ID: id, UserID: owner.ID, Kind: "image", Origin: "gen",
		ContentType: "image/png", StorageKey: key, Prompt: "a fox"}); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func TestEnsureImageMakesMissingDerivatives(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u, other := e.newUser(), e.newUser()
		id := e.registerGenImage(u, 1000, 250)

		var before imageJSON
		expect(t, e.do("GET", "/image/"+id, "", nil), 200).json(t, &before)
		if before.ThumbURL != before.URL || before.Blurhash != "" {
			t.Fatalf("before: %+v", before)
		}
		var img struct {
			imageJSON
			Prompt string
		}
		expect(t, e.do("POST", "/image", u.Token, map[string]any{"imageId": id}), 200).json(t, &img)
		if img.Width != 1000 || img.Height != 250 || img.Blurhash == "" || img.ThumbURL == img.URL || img.Prompt != "a fox" {
			t.Fatalf("ensured: %+v", img)
		}
		expect(t, e.fetch(img.ThumbURL), 200)
		var again imageJSON
		expect(t, e.do("POST", "/image", u.Token, map[string]any{"imageId": id}), 200).json(t, &again)
		if !sameImage(again, img.imageJSON) {
			t.Fatalf("second call changed the image: %+v vs %+v", again, img.imageJSON)
		}

		expectError(t, e.do("POST", "/image", other.Token, map[string]any{"imageId": id}), 403, "not yours")
		expect(t, e.do("POST", "/image", u.Token, map[string]any{"imageId": "gen_" + uuid.NewString()}), 404)
		expectError(t, e.bad("POST", "/image", u.Token, map[string]any{}), 400, "imageId")
		expectError(t, e.bad("POST", "/image", u.Token, map[string]any{"imageId": 5}), 400, "imageId")
		expectError(t, e.bad("POST", "/image", u.Token, map[string]any{"imageId": "../../x"}), 400, "imageId")
		expect(t, e.do("POST", "/image", "", map[string]any{"imageId": id}), 401)

		// The original is gone: nothing to derive from.
		lost := e.registerGenImage(u, 10, 10)
		if err := e.api.Blobs.Delete(context.Background(), blob.FileKey(u.ID, lost, "original.png")); err != nil {
			t.Fatal(err)
		}
		expect(t, e.do("POST", "/image", u.Token, map[string]any{"imageId": lost}), 404)
	})
}

func TestDeleteImageRemovesEverything(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u, other := e.newUser(), e.newUser()
		img := e.uploadImage(u, gradient(500, 300)).Image
		// A watermarked and a published copy, as download and publish record them.
		wm, pub := blob.FileKey(u.ID, img.ImageID, "watermark.jpg"), blob.PublicFileKey(u.ID, img.ImageID, "original.png")
		for _, k := range []string{wm, pub} {
			if _, err := e.api.Blobs.Put(ctx, k, strings.NewReader("copy"), ""); err != nil {
				t.Fatal(err)
			}
		}
		if e.store.SetFileWatermarkKey(ctx, img.ImageID, wm) != nil || e.store.SetFilePublicKey(ctx, img.ImageID, pub) != nil {
			t.Fatal("recording copies failed")
		}

		expectError(t, e.do("DELETE", "/image/"+img.ImageID, other.Token, nil), 403, "not yours")
		expect(t, e.fetch(img.URL), 200)

		var ack map[string]string
		expect(t, e.do("DELETE", "/image/"+img.ImageID, u.Token, nil), 200).json(t, &ack)
		if ack["message"] != "confirm" {
			t.Fatalf("delete answered %v", ack)
		}
		for _, url := range []string{img.URL, img.ThumbURL, img.BlurURL, e.api.Blobs.URL(wm)} {
			expect(t, e.fetch(url), 404)
		}
		// A published copy is the post's, not the image's: it stays.
		expect(t, e.fetch(e.api.Blobs.URL(pub)), 200)
		if _, err := e.store.GetFile(ctx, img.ImageID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("row remains: %v", err)
		}
		expect(t, e.do("GET", "/image/"+img.ImageID, "", nil), 404)

		// Repeat calls, by anyone, and unknown ids answer the same.
		expect(t, e.do("DELETE", "/image/"+img.ImageID, u.Token, nil), 200).json(t, &ack)
		expect(t, e.do("DELETE", "/image/"+img.ImageID, other.Token, nil), 200).json(t, &ack)
		expect(t, e.do("DELETE", "/image/insert_"+uuid.NewString(), u.Token, nil), 200).json(t, &ack)
		if ack["message"] != "confirm" {
			t.Fatalf("repeat answered %v", ack)
		}
		expectError(t, e.bad("DELETE", "/image/..%2F..%2Fjwt-dev-key.pem", u.Token, nil), 400, "imageId")
		expect(t, e.do("DELETE", "/image/"+img.ImageID, "", nil), 401)

		// Another kind of file is not deleted through /image.
		var v uploaded
		expect(t, e.uploadFile(u, "v.webm", []byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm")), 200).json(t, &v)
		expect(t, e.do("DELETE", "/image/"+v.FileID, u.Token, nil), 404)
		if _, err := e.store.GetFile(ctx, v.FileID); err != nil {
			t.Fatalf("video row: %v", err)
		}
	})
}
