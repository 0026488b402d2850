package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/config"
)

// postHogEvent is one item of a PostHog /batch/ request.
type postHogEvent struct {
	Event      string         `json:"event"`
	DistinctID string         `json:"distinct_id"`
	Properties map[string]any `json:"properties"`
}

// fakePostHog is a local PostHog batch endpoint collecting events.
type fakePostHog struct {
	mu     sync.Mutex
	events []postHogEvent
}

func (f *fakePostHog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct {
		APIKey string         `json:"api_key"`
		Batch  []postHogEvent `json:"batch"`
	}
	if r.URL.Path != "/batch/" || json.NewDecoder(r.Body).Decode(&body) != nil || body.APIKey != "phc_test" {
		http.Error(w, "bad batch", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.events = append(f.events, body.Batch...)
	f.mu.Unlock()
	w.Write([]byte(`{"status":1}`)) //nolint:errcheck
}

// find returns u's event named name, if it arrived.
func (f *fakePostHog) find(u, name string) (postHogEvent, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ev := range f.events {
		if ev.DistinctID == u && ev.Event == name {
			return ev, true
		}
	}
	return postHogEvent{}, false
}

// TestProductEvents: with POSTHOG_API_KEY set, creating a thread, the
// agent's video task completing in a River worker and publishing that
// video each send their event to PostHog, for the acting user.
func TestProductEvents(t *testing.T) {
	fake := &fakePostHog{}
	ph := httptest.NewServer(fake)
	t.Cleanup(ph.Close)
	withPostHog := func(c *config.Config) {
		c.Analytics.PostHogAPIKey, c.Analytics.PostHogHost = "phc_test", ph.URL
	}
	forEachStoreWith(t, withPostHog, func(t *testing.T, e *env) {
		u := e.newUser()
		ctx := context.Background()
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200)
		if err := e.store.SetPlan(ctx, u.ID, "pro"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.store.AddCredits(ctx, u.ID, 500, "test"); err != nil {
			t.Fatal(err)
		}
		thread := e.newThread(u, "hello")
		e.openStream(ctx, "POST", "/agent/streaming", u.Token, streamBody(thread, "video-ask", "make a video of waves at sunset"), nil).all(t)

		var created, video postHogEvent
		t.Cleanup(func() {
			if t.Failed() {
				fake.mu.Lock()
				t.Logf("events: %+v", fake.events)
				fake.mu.Unlock()
				id, err := e.store.HeadTask(ctx, u.ID, "video")
				st, _ := e.store.TaskStatus(ctx, id)
				t.Logf("video task %q %v: %s", id, err, st)
			}
		})
		// The local video encode (ffmpeg, 5 s of frames) takes a minute or
		// more on a loaded 2-core machine under -race; the deadline is the
		// task's progress, not the events', which follow within seconds.
		for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
			var ok1, ok2 bool
			created, ok1 = fake.find(u.ID, "thread_created")
			video, ok2 = fake.find(u.ID, "video_completed")
			if ok1 && ok2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no thread_created and video_completed events")
			}
		}
		if created.Properties["thread_id"] != thread {
			t.Errorf("thread_created %+v", created)
		}
		taskID, _ := video.Properties["task_id"].(string)
		if taskID == "" {
			t.Fatalf("video_completed %+v", video)
		}
		expect(t, e.do("POST", "/publish/video", u.Token, map[string]any{"video": map[string]any{"taskId": taskID}}), 200)
		waitFor(t, "feed_published", func() bool { _, ok := fake.find(u.ID, "feed_published"); return ok })
		if ev, _ := fake.find(u.ID, "feed_published"); ev.Properties["media_kind"] != "video" || ev.Properties["feed_id"] == "" {
			t.Errorf("feed_published %+v", ev)
		}
		if _, ok := fake.find(u.ID, "music_completed"); ok {
			t.Error("music_completed without a song")
		}
	})
}
