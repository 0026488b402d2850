package httpapi_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestPublishImageEndToEnd(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		u, other := e.member(), e.member()
		img := scene(1, 320, 240)
		first := e.image(u, img, "a lighthouse at dusk")

		f := e.publish(u, first)
		if flagsOf(f) != "[]" || f.MediaType != nil || f.Image == nil || f.Image.ImageID != first ||
			f.OriginImageID == nil || *f.OriginImageID != first || f.Prompt != "a lighthouse at dusk" ||
			f.Owner.ID != u.ID || f.LikedNumber != 0 || f.IsLiked {
			t.Fatalf("published %+v flags %s", f, flagsOf(f))
		}
		if !strings.Contains(f.Image.URL, "/p/"+u.ID+"/"+f.ID+"/original.png?") {
			t.Fatalf("url %q is not the public copy", f.Image.URL)
		}
		if got := expect(t, e.fetch(f.Image.URL), 200); !bytes.Equal(got.Body, pngOf(t, img)) {
			t.Fatal("the public copy served differs from the published picture")
		}
		if p := e.page("/feed/", ""); len(p.Feeds) != 1 || p.Feeds[0].ID != f.ID || p.Feeds[0].Flag != nil {
			t.Fatalf("feed after publish: %+v", p)
		}

		// Publishing the same picture again (the same file, or a new file
		// with the same pixels) is a duplicate: stored hidden, flag shown
		// to the owner only.
		dup := e.publish(u, first)
		if flagsOf(dup) != "[duplicate]" {
			t.Fatalf("second publish flags %s", flagsOf(dup))
		}
		if flagsOf(e.publish(other, e.image(other, img, ""))) != "[duplicate]" {
			t.Fatal("another user's copy of a public post is not a duplicate")
		}
		expect(t, e.do("GET", "/feed/"+dup.ID, other.Token, nil), 404)
		if p := e.page("/feed/", ""); len(p.Feeds) != 1 {
			t.Fatalf("hidden duplicates listed: %v", p.ids())
		}

		// A picture on the block list is stored hidden, not refused.
		blocked := e.publish(u, e.image(u, blockedImage(), ""))
		if flagsOf(blocked) != "[nsfw]" || strings.Contains(blocked.Image.URL, "/p/") {
			t.Fatalf("blocked picture flags %s, url %s (must never be copied to public storage)", flagsOf(blocked), blocked.Image.URL)
		}
		// A checker that cannot answer hides the post too.
		if f := e.publish(u, e.image(u, scene(2, unavailableW, unavailableH), "")); flagsOf(f) != "[nsfw]" {
			t.Fatalf("checker down: flags %s", flagsOf(f))
		}
		// A banned author's posts are flagged ban.
		e.exec("UPDATE profiles SET banned = TRUE WHERE id = ?", other.ID)
		var banned feedJSON
		expect(t, e.do("POST", "/publish", other.Token, map[string]any{"imageId": e.image(other, scene(3, 100, 100), "")}), 200).json(t, &banned)
		if flagsOf(banned) != "[ban]" {
			t.Fatalf("banned author: flags %s", flagsOf(banned))
		}
	})
}

func TestPublishRefusals(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		u, other := e.member(), e.member()
		theirs := e.image(other, scene(4, 64, 64), "")
		body := map[string]any{"imageId": theirs}
		expect(t, e.do("POST", "/publish/", "", body), 401)
		expectError(t, e.do("POST", "/publish/", u.Token, body), 404, "image not found")
		expect(t, e.do("POST", "/publish/", u.Token, map[string]any{"imageId": "gen_" + uuid.NewString()}), 404)
		video := e.file(u, "video", "video/mp4", []byte("mp4"), "")
		expect(t, e.do("POST", "/publish/", u.Token, map[string]any{"imageId": video}), 404)
		expectError(t, e.bad("POST", "/publish/", u.Token, map[string]any{}), 400, "imageId")
		expectError(t, e.bad("POST", "/publish/", u.Token, map[string]any{"imageId": 5}), 400, "imageId")
		expectError(t, e.bad("POST", "/publish/", u.Token, map[string]any{"imageId": "../../etc/passwd"}), 400, "imageId")
		expect(t, e.bad("POST", "/publish/", u.Token, "{not json"), 400)
		if p := e.page("/user/"+u.ID+"/feed", u.Token); len(p.Feeds) != 0 {
			t.Fatalf("refused publishes left posts: %v", p.ids())
		}
	})
}

func TestPublishTasksEndToEnd(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		u, other := e.member(), e.member()
		clip := e.file(u, "video", "video/mp4", []byte("fake mp4"), "")
		thumb := e.image(u, scene(10, 320, 180), "")
		song := e.file(u, "audio", "audio/mpeg", []byte("fake mp3"), "")
		cover := e.image(u, scene(11, 200, 200), "")
		video := e.task(u, "video", "completed", clip, thumb, `{"duration":5,"ratio":"16:9"}`)
		audio := e.task(u, "audio", "completed", song, cover, `{"lyrics":"la la","title":"Rain","instrumental":false}`)

		var v feedJSON
		expect(t, e.do("POST", "/publish/video", u.Token, map[string]any{"video": map[string]any{
			"taskId": video, "status": "failed", "prompt": "ignored", "videoId": "gen_forged"}}), 200).json(t, &v)
		if v.MediaType == nil || *v.MediaType != "video" || flagsOf(v) != "[]" || v.Video["taskId"] != video ||
			v.Video["videoId"] != clip || v.Video["status"] != "completed" || v.Prompt != "neon rain" || v.OriginImageID != nil ||
			!strings.Contains(v.Video["url"].(string), "/"+v.ID+"/original.mp4?") || v.Video["thumbUrl"] == nil {
			t.Fatalf("video post %+v", v)
		}
		var a feedJSON
		expect(t, e.do("POST", "/publish/audio", u.Token, map[string]any{"audio": map[string]any{"taskId": audio}}), 200).json(t, &a)
		if a.MediaType == nil || *a.MediaType != "audio" || flagsOf(a) != "[]" || a.Audio["lyrics"] != "la la" ||
			a.Audio["coverUrl"] == nil || !strings.Contains(a.Audio["url"].(string), "/"+a.ID+"/original.mp3?") {
			t.Fatalf("audio post %+v", a)
		}
		if got := expect(t, e.fetch(v.Video["url"].(string)), 200); string(got.Body) != "fake mp4" {
			t.Fatalf("public video copy %q", got.Body)
		}
		if p := e.page("/feed/?mediaType=video", ""); len(p.Feeds) != 1 || p.Feeds[0].ID != v.ID {
			t.Fatalf("video feed %v", p.ids())
		}

		pending := e.task(u, "video", "pending", "", "", `{}`)
		expectError(t, e.do("POST", "/publish/video", u.Token, map[string]any{"video": map[string]any{"taskId": pending}}), 400, "not completed")
		expect(t, e.do("POST", "/publish/video", other.Token, map[string]any{"video": map[string]any{"taskId": video}}), 404)
		expect(t, e.do("POST", "/publish/audio", u.Token, map[string]any{"audio": map[string]any{"taskId": video}}), 404)
		expect(t, e.do("POST", "/publish/video", u.Token, map[string]any{"video": map[string]any{"taskId": uuid.NewString()}}), 404)
		expectError(t, e.bad("POST", "/publish/video", u.Token, map[string]any{"audio": map[string]any{"taskId": video}}), 400, "video.taskId")
		expectError(t, e.bad("POST", "/publish/video", u.Token, map[string]any{"video": map[string]any{}}), 400, "video.taskId")
		expectError(t, e.bad("POST", "/publish/audio", u.Token, map[string]any{"audio": map[string]any{"taskId": "nope"}}), 400, "audio.taskId")
		expect(t, e.do("POST", "/publish/audio", "", map[string]any{"audio": map[string]any{"taskId": audio}}), 401)
	})
}

// Publishing copies the file; the copy is the post's. Deleting the source
// image leaves the post's URL working; deleting the post removes the copy.
func TestDeletingTheSourceImageKeepsThePost(t *testing.T) {
	t.Parallel()
	forEachFeedStore(t, func(t *testing.T, e feedEnv) {
		u := e.member()
		img := scene(7, 200, 150)
		var up uploaded
		expect(t, e.uploadFile(u, "p.png", pngOf(t, img)), 200).json(t, &up)
		f := e.publish(u, up.FileID)
		expect(t, e.do("DELETE", "/image/"+up.FileID, u.Token, nil), 200)
		expect(t, e.fetch(up.Image.URL), 404) // the private original is gone …

		var after feedJSON
		expect(t, e.do("GET", "/feed/"+f.ID, "", nil), 200).json(t, &after)
		if after.Image == nil || !strings.Contains(after.Image.URL, "/p/"+u.ID+"/"+f.ID+"/") {
			t.Fatalf("post after its source was deleted: %+v", after.Image)
		}
		// … the post's copy still serves the published bytes.
		if got := expect(t, e.fetch(after.Image.URL), 200); !bytes.Equal(got.Body, pngOf(t, img)) {
			t.Fatal("the public copy changed")
		}
		expect(t, e.do("DELETE", "/feed/"+f.ID, u.Token, nil), 200)
		expect(t, e.fetch(after.Image.URL), 404)
	})
}
