package httpapi_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/avenc"
	"github.com/kira-art/kira/internal/avenc/avenctest"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

type downloadJSON struct {
	URL         string
	Watermarked bool
}

func (e feedEnv) download(path string, u user, body any) downloadJSON {
	e.t.Helper()
	var d downloadJSON
	expect(e.t, e.do("POST", path, u.Token, body), 200).json(e.t, &d)
	return d
}

func (e feedEnv) setMark(u user, plan string, mark bool) {
	e.t.Helper()
	ctx := context.Background()
	if err := e.store.SetPlan(ctx, u.ID, plan); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.store.UpdateProfile(ctx, u.ID, store.ProfilePatch{Watermark: &mark}); err != nil {
		e.t.Fatal(err)
	}
}

func TestDownloadImageRoute(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		owner, other := e.member(), e.member()
		var up uploaded
		original := pngBytes(t, gradient(160, 120))
		expect(t, e.uploadFile(owner, "a.png", original), 200).json(t, &up)
		body := map[string]any{"imageId": up.FileID}

		marked := e.download("/download/", owner, body)
		if !marked.Watermarked || !strings.Contains(marked.URL, "watermark.jpg") {
			t.Fatalf("free owner: %+v", marked)
		}
		if got := expect(t, e.fetch(marked.URL), 200).Body; !bytes.HasPrefix(got, []byte("\xff\xd8\xff")) {
			t.Fatalf("the watermarked copy is not a JPEG: % x", got[:8])
		}
		if again := e.download("/download", owner, body); again != marked {
			t.Fatalf("second download %+v, first %+v", again, marked)
		}

		e.setMark(owner, "pro", false)
		plain := e.download("/download/", owner, body)
		if plain.Watermarked || !bytes.Equal(expect(t, e.fetch(plain.URL), 200).Body, original) {
			t.Fatalf("pro owner: %+v is not the original", plain)
		}
		e.setMark(owner, "pro", true)
		if d := e.download("/download/", owner, body); d != marked {
			t.Fatalf("pro owner asking for the mark: %+v", d)
		}

		expect(t, e.do("POST", "/download/", other.Token, body), 404)
		expect(t, e.do("POST", "/download/", other.Token, map[string]any{"imageId": "img_" + uuid.NewString()}), 404)
		e.publish(owner, up.FileID)
		if d := e.download("/download/", other, body); d != marked {
			t.Fatalf("public post's image for a free viewer: %+v", d)
		}

		expect(t, e.do("POST", "/download/", "", body), 401)
		for _, bad := range []any{map[string]any{"imageId": 5}, map[string]any{}, map[string]any{"imageId": "../etc"}, "[]", "{"} {
			expect(t, e.bad("POST", "/download/", owner.Token, bad), 400)
		}

		expect(t, e.do("DELETE", "/image/"+up.FileID, owner.Token, nil), 200)
		expect(t, e.fetch(marked.URL), 404)
	})
}

// completedVideo stores data as u's video and a completed task with it.
func (e feedEnv) completedVideo(u user, data []byte) store.MediaTask {
	e.t.Helper()
	ctx := context.Background()
	id := "gen_" + uuid.NewString()
	key := blob.FileKey(u.ID, id, "original.mp4")
	if _, err := e.api.Blobs.Put(ctx, key, bytes.NewReader(data), "video/mp4"); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.store.CreateFile(ctx, store.File{ID: id, UserID: u.ID, Kind: store.MediaVideo, Origin: "gen",
		ContentType: "video/mp4", Size: int64(len(data)), StorageKey: key, Width: 64, Height: 48}); err != nil {
		e.t.Fatal(err)
	}
	task, err := e.store.CreateJoblessTask(ctx, store.MediaTask{ID: uuid.NewString(), UserID: u.ID, Kind: store.MediaVideo,
		Status: store.TaskCompleted, Provider: "local", ResultFileID: id, Width: 64, Height: 48, DurationMS: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return task
}

// testClip is a real 64×48 H.264 MP4 from the pure-Go encoder.
func testClip() []byte {
	const w, h = 64, 48
	var samples [][]byte
	for i := range 10 {
		samples = append(samples, avenc.RGBAFrame(gradient(w+i, h), w, h, i%2))
	}
	return avenc.MuxMP4(w, h, 10, avenc.SPS(w, h), avenc.PPS(), samples)
}

func TestDownloadVideoRoute(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not on PATH")
	}
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		owner, other := e.member(), e.member()
		clip := testClip()
		task := e.completedVideo(owner, clip)
		body := map[string]any{"taskId": task.ID}

		marked := e.download("/download/video", owner, body)
		if !marked.Watermarked || !strings.Contains(marked.URL, "watermark.mp4") {
			t.Fatalf("free owner: %+v", marked)
		}
		out := filepath.Join(t.TempDir(), "marked.mp4")
		if err := os.WriteFile(out, expect(t, e.fetch(marked.URL), 200).Body, 0o600); err != nil {
			t.Fatal(err)
		}
		if v := avenctest.Probe(t, out, "v"); v.Codec != "h264" || v.Width != 64 || v.Height != 48 {
			t.Errorf("watermarked video %+v", v)
		}
		if again := e.download("/download/video", owner, body); again != marked {
			t.Fatalf("second download %+v", again)
		}
		e.setMark(owner, "max", false)
		if plain := e.download("/download/video", owner, body); plain.Watermarked ||
			!bytes.Equal(expect(t, e.fetch(plain.URL), 200).Body, clip) {
			t.Fatalf("paying owner: %+v is not the original", plain)
		}

		expect(t, e.do("POST", "/download/video", other.Token, body), 404)
		if _, err := e.store.CreateFeed(context.Background(), store.Feed{ID: uuid.NewString(), UserID: owner.ID,
			MediaKind: store.MediaVideo, TaskID: task.ID}, ""); err != nil {
			t.Fatal(err)
		}
		if d := e.download("/download/video", other, body); d != marked {
			t.Fatalf("public post's video for a free viewer: %+v", d)
		}

		expect(t, e.do("POST", "/download/video", owner.Token, map[string]any{"taskId": uuid.NewString()}), 404)
		pending := e.completedVideo(owner, clip)
		e.exec("UPDATE media_tasks SET status = 'processing' WHERE id = ?", pending.ID)
		expect(t, e.do("POST", "/download/video", owner.Token, map[string]any{"taskId": pending.ID}), 404)
		for _, bad := range []any{map[string]any{"taskId": 7}, map[string]any{}, map[string]any{"taskId": "a/b"}, "null"} {
			expect(t, e.bad("POST", "/download/video", owner.Token, bad), 400)
		}

		broken := e.completedVideo(other, clip[:len(clip)/2])
		r := expect(t, e.do("POST", "/download/video", other.Token, map[string]any{"taskId": broken.ID}), 422)
		if !strings.Contains(string(r.Body), `"error":"invalid_media"`) {
			t.Errorf("broken video: %s", r.Body)
		}
	})
}

// Without ffmpeg on PATH a video needing a mark is 503
// watermark_unavailable. Not parallel: it changes PATH for the app's
// start-up lookup.
func TestDownloadVideoWithoutFFmpegRoute(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	e := feedEnv{rawEnv{env: newEnv(t, storetest.OpenSQLite(t))}}
	u := e.member()
	task := e.completedVideo(u, testClip())
	r := expect(t, e.do("POST", "/download/video", u.Token, map[string]any{"taskId": task.ID}), 503)
	if !strings.Contains(string(r.Body), `"error":"watermark_unavailable"`) || !strings.Contains(string(r.Body), "ffmpeg is not installed") {
		t.Errorf("body %s", r.Body)
	}
	e.setMark(u, "pro", false)
	if d := e.download("/download/video", u, map[string]any{"taskId": task.ID}); d.Watermarked {
		t.Errorf("unmarked download without ffmpeg: %+v", d)
	}
}

// FuzzDownloadBodies: whatever the body, both routes answer a documented
// client status (the validator checks the shapes), never a 5xx.
func FuzzDownloadBodies(f *testing.F) {
	for _, seed := range []string{`{"imageId":"img_1"}`, `{"taskId":"t"}`, `{"imageId":null}`, `{"taskId":[1]}`,
		`{"imageId":"\u0000"}`, `{}`, `[]`, `"x"`, `{"imageId":"a","imageId":5}`, ``} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		e := newEnv(t, storetest.OpenSQLite(t))
		u := e.newUser()
		for _, path := range []string{"/download/", "/download/video"} {
			if r := e.bad("POST", path, u.Token, body); r.Status >= 500 || r.Status == 200 {
				t.Fatalf("POST %s %q: %d %s", path, body, r.Status, r.Body)
			}
		}
	})
}
