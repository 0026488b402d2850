package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
)

// timelineEnv is a server plus a raw connection to its database, for rows
// no API writes directly (completed tasks, chosen creation times).
type timelineEnv struct{ rawEnv }

func forEachTimelineStore(t *testing.T, fn func(t *testing.T, e timelineEnv)) {
	t.Helper()
	forEachRawStore(t, func(t *testing.T, r rawEnv) { fn(t, timelineEnv{r}) })
}

func (e timelineEnv) file(u user, kind, contentType string) string {
	e.t.Helper()
	id := "gen_" + uuid.NewString()
	if _, err := e.store.CreateFile(context.Background(), store.File{ID: id, UserID: u.ID, Kind: kind, Origin: "gen",
		ContentType: contentType, StorageKey: "u/" + id, Width: 512, Height: 512, Blurhash: "LEHV6nWB2yk8"}); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e timelineEnv) version(u user, threadID, msgID string, images ...string) string {
	e.t.Helper()
	imgs := make([]store.VersionImage, len(images))
	for i, id := range images {
		imgs[i] = store.VersionImage{ImageID: id, Data: []byte(`{"imageId":"` + id + `","toolName":"generateImage","seed":7,"prompt":"a fox"}`)}
	}
	v, err := e.store.SaveMessage(context.Background(), store.Message{ThreadID: threadID, UserID: u.ID, ID: msgID,
		Role: "assistant", Body: []byte(`{"id":"` + msgID + `","role":"assistant","parts":[]}`)}, imgs)
	if err != nil {
		e.t.Fatal(err)
	}
	return v.ID
}

func (e timelineEnv) task(u user, threadID, versionID, kind, status, result, thumb, params string) string {
	e.t.Helper()
	id := uuid.NewString()
	ts := time.Now().UnixMicro()
	var res, th any
	if result != "" {
		res = result
	}
	if thumb != "" {
		th = thumb
	}
	e.exec(`INSERT INTO media_tasks (id, user_id, thread_id, version_id, message_id, kind, status, provider, prompt,
		params, result_file_id, thumb_file_id, width, height, duration_ms, blurhash, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'a1', ?, ?, 'local', 'neon rain', ?, ?, ?, 640, 360, 5000, 'LEHV6nWB2yk8', ?, ?)`,
		id, u.ID, threadID, versionID, kind, status, params, res, th, ts, ts)
	return id
}

type timelinePage struct {
	Timelines []struct {
		ID, ResourceID, ThreadID, Title, CreatedAt string
		MediaItems                                 []struct {
			Type string
			Data map[string]any
		}
		Images, Videos, Audios []map[string]any
	}
	HasMore bool
}

func TestTimelinesMixedMediaNewestFirst(t *testing.T) {
	t.Parallel()
	forEachTimelineStore(t, func(t *testing.T, e timelineEnv) {
		u, other := e.newUser(), e.newUser()
		expect(t, e.do("GET", "/thread/timelines", other.Token, nil), 200) // profile row for other's files
		e.version(other, e.newThread(other, "not mine"), "a1", e.file(other, "image", "image/png"))

		th := e.newThread(u, "a fox in the snow")
		img1, img2 := e.file(u, "image", "image/png"), e.file(u, "image", "image/png")
		v1 := e.version(u, th, "a1", img1)
		song := e.task(u, th, v1, "audio", "completed", e.file(u, "audio", "audio/wav"), e.file(u, "image", "image/png"),
			`{"lyrics":"la la","style":"lofi","title":"Snow","instrumental":false}`)
		v2 := e.version(u, th, "a2", img2, img1) // img1 again: listed once, at its newest place
		clip := e.task(u, th, v2, "video", "completed", e.file(u, "video", "video/mp4"), e.file(u, "image", "image/png"),
			`{"duration":5,"ratio":"16:9"}`)
		e.task(u, th, v2, "video", "pending", "", "", `{"duration":5,"ratio":"16:9"}`)
		e.task(u, th, v2, "audio", "failed", "", "", `{}`)

		var page timelinePage
		expect(t, e.do("GET", "/thread/timelines", u.Token, nil), 200).json(t, &page)
		if len(page.Timelines) != 1 || page.HasMore {
			t.Fatalf("want one timeline, got %d (hasMore %v)", len(page.Timelines), page.HasMore)
		}
		tl := page.Timelines[0]
		if tl.ID != th || tl.ThreadID != th || tl.ResourceID != u.ID || !strings.EqualFold(strings.TrimPrefix(tl.Title, "a "), "fox in the snow") {
			t.Fatalf("timeline header %+v", tl)
		}
		var order []string
		for _, it := range tl.MediaItems {
			id, _ := it.Data["imageId"].(string)
			if it.Type != "image" {
				id, _ = it.Data["taskId"].(string)
			}
			order = append(order, it.Type+":"+id)
		}
		want := []string{"image:" + img2, "image:" + img1, "video:" + clip, "audio:" + song}
		if !slices.Equal(order, want) {
			t.Fatalf("mediaItems\n got %v\nwant %v", order, want)
		}
		if len(tl.Images) != 2 || len(tl.Videos) != 1 || len(tl.Audios) != 1 {
			t.Fatalf("by kind: %d images, %d videos, %d audios", len(tl.Images), len(tl.Videos), len(tl.Audios))
		}
		signed := func(what string, v any) {
			s, _ := v.(string)
			if u, err := url.Parse(s); err != nil || !strings.HasPrefix(s, "http://files.test/files/") || u.Query().Get("sig") == "" {
				t.Fatalf("%s is not a signed URL: %q", what, s)
			}
		}
		signed("image url", tl.Images[0]["url"])
		signed("video url", tl.Videos[0]["url"])
		signed("video thumbUrl", tl.Videos[0]["thumbUrl"])
		signed("audio url", tl.Audios[0]["url"])
		signed("audio coverUrl", tl.Audios[0]["coverUrl"])
		if tl.Images[0]["toolName"] != "generateImage" || tl.Images[0]["prompt"] != "a fox" || tl.Videos[0]["ratio"] != "16:9" ||
			tl.Audios[0]["lyrics"] != "la la" || tl.Videos[0]["status"] != "completed" {
			t.Fatalf("item details lost: %v / %v / %v", tl.Images[0], tl.Videos[0], tl.Audios[0])
		}
	})
}

func TestTimelinesPagingByCreatedAt(t *testing.T) {
	t.Parallel()
	forEachTimelineStore(t, func(t *testing.T, e timelineEnv) {
		u := e.newUser()
		base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		var want []string // newest first
		for i := range 7 {
			id := e.newThread(u, fmt.Sprint("thread ", i))
			e.exec("UPDATE threads SET created_at = ? WHERE id = ?", base.Add(time.Duration(i)*time.Minute).UnixMicro(), id)
			want = append([]string{id}, want...)
		}
		var p1, p2 timelinePage
		expect(t, e.do("GET", "/thread/timelines", u.Token, nil), 200).json(t, &p1)
		if len(p1.Timelines) != 5 || !p1.HasMore {
			t.Fatalf("first page: %d timelines hasMore=%v", len(p1.Timelines), p1.HasMore)
		}
		cursor := p1.Timelines[4].CreatedAt
		if cursor != "2026-03-01T12:02:00.000Z" {
			t.Fatalf("createdAt %q, want RFC 3339 with milliseconds", cursor)
		}
		expect(t, e.do("GET", "/thread/timelines?cursor="+url.QueryEscape(cursor), u.Token, nil), 200).json(t, &p2)
		if len(p2.Timelines) != 2 || p2.HasMore {
			t.Fatalf("second page: %d timelines hasMore=%v", len(p2.Timelines), p2.HasMore)
		}
		var got []string
		for _, tl := range append(p1.Timelines, p2.Timelines...) {
			got = append(got, tl.ID)
			if len(tl.MediaItems) != 0 || tl.Images == nil || tl.Videos == nil || tl.Audios == nil {
				t.Fatalf("a thread without media has empty lists, not nulls: %+v", tl)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("threads\n got %v\nwant %v", got, want)
		}
		var empty timelinePage
		expect(t, e.do("GET", "/thread/timelines?cursor=", u.Token, nil), 200).json(t, &empty)
		if len(empty.Timelines) != 5 {
			t.Fatalf("an empty cursor is the first page, got %d", len(empty.Timelines))
		}
	})
}

func TestTimelinesBadInputAndIsolation(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u, other := e.newUser(), e.newUser()
		e.newThread(other, "secret plans")
		for _, garbage := range []string{"garbage", "2026-13-01T00:00:00Z", "1700000000", "2026-11-27", "%00"} {
			expectError(t, e.bad("GET", "/thread/timelines?cursor="+garbage, u.Token, nil), 400, "cursor")
		}
		expectError(t, e.do("GET", "/thread/timelines", "", nil), 401, "Unauthorized")
		var page timelinePage
		expect(t, e.do("GET", "/thread/timelines", u.Token, nil), 200).json(t, &page)
		if len(page.Timelines) != 0 || page.HasMore {
			t.Fatalf("another user's threads leaked: %+v", page)
		}
	})
}
