package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/centrifugal/centrifuge-go"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/realtime"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// wsURL is the env's websocket endpoint.
func (e *env) wsURL() string {
	return "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/connection/websocket"
}

// taskEvent is one realtime task status message.
type taskEvent struct {
	Type   string `json:"type"`
	TaskID string `json:"taskId"`
	Status string `json:"status"`
	Video  *struct {
		URL      string `json:"url"`
		ThumbURL string `json:"thumbUrl"`
	} `json:"video"`
	Audio *struct {
		URL      string `json:"url"`
		CoverURL string `json:"coverUrl"`
	} `json:"audio"`
}

// subscribeThread connects a real centrifuge client as u and subscribes
// to u's channel of thread; publications arrive on the returned channel.
func (e *env) subscribeThread(u user, thread string) <-chan []byte {
	e.t.Helper()
	c := centrifuge.NewJsonClient(e.wsURL(), centrifuge.Config{Token: u.Token})
	e.t.Cleanup(c.Close)
	pubs := make(chan []byte, 64)
	subscribed := make(chan error, 1)
	s, err := c.NewSubscription(realtime.UserChannel(u.ID, thread))
	if err != nil {
		e.t.Fatal(err)
	}
	s.OnPublication(func(ev centrifuge.PublicationEvent) { pubs <- ev.Data })
	s.OnSubscribed(func(centrifuge.SubscribedEvent) { subscribed <- nil })
	s.OnError(func(ev centrifuge.SubscriptionErrorEvent) { subscribed <- ev.Error })
	if err := c.Connect(); err != nil {
		e.t.Fatal(err)
	}
	if err := s.Subscribe(); err != nil {
		e.t.Fatal(err)
	}
	select {
	case err := <-subscribed:
		if err != nil {
			e.t.Fatalf("subscribe: %v", err)
		}
	case <-time.After(15 * time.Second):
		e.t.Fatal("not subscribed in time")
	}
	return pubs
}

// statusesUntil collects kind's status events until one is final.
func statusesUntil(t *testing.T, pubs <-chan []byte, kind string) []taskEvent {
	t.Helper()
	var got []taskEvent
	deadline := time.After(240 * time.Second) // race detector on a loaded 2-core machine: minutes
	for {
		select {
		case raw := <-pubs:
			var ev taskEvent
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatalf("publication %s: %v", raw, err)
			}
			if ev.Type != kind {
				continue
			}
			got = append(got, ev)
			switch ev.Status {
			case "completed", "failed", "cancelled", "insufficient_credits", "insufficient_plan":
				return got
			}
		case <-deadline:
			t.Fatalf("no final %s status; got %+v", kind, got)
		}
	}
}

// media fetches a signed media URL and fails unless it answers 200.
func (e *env) media(signed string) []byte {
	e.t.Helper()
	r := expect(e.t, e.fetch(signed), 200)
	return r.Body
}

// TestAgentVideoAndSongArriveLive is the done-when: a user asks
// the agent for a video and a song, sees pending → processing → completed
// on the websocket, and fetches the media.
func TestAgentVideoAndSongArriveLive(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
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
		pubs := e.subscribeThread(u, thread)
		for _, c := range []struct{ ask, kind string }{
			{"make a video of waves at sunset", "video_status"},
			{"write a song about the sea", "audio_status"},
		} {
			s := e.openStream(ctx, "POST", "/agent/streaming", u.Token, streamBody(thread, c.kind, c.ask), nil)
			s.all(t)
			evs := statusesUntil(t, pubs, c.kind)
			var seq []string
			for _, ev := range evs {
				seq = append(seq, ev.Status)
			}
			if strings.Join(seq, ",") != "pending,processing,completed" {
				t.Fatalf("%s statuses %v, want pending, processing, completed", c.kind, seq)
			}
			last := evs[len(evs)-1]
			switch {
			case last.Video != nil:
				if mp4 := e.media(last.Video.URL); len(mp4) < 1000 || string(mp4[4:8]) != "ftyp" {
					t.Fatalf("video is not an MP4 (%d bytes)", len(mp4))
				}
				e.media(last.Video.ThumbURL)
			case last.Audio != nil:
				if wav := e.media(last.Audio.URL); len(wav) < 1000 {
					t.Fatalf("song of %d bytes", len(wav))
				}
				e.media(last.Audio.CoverURL)
			default:
				t.Fatalf("final event without media: %+v", last)
			}
		}
	})
}

// TestThreadTitlePushed: the model-written title of a new thread arrives
// on the owner's channel of the thread (subscribed before it exists: the
// client chooses the thread id).
func TestThreadTitlePushed(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		thread := uuid.NewString()
		pubs := e.subscribeThread(u, thread)
		expect(t, e.do("POST", "/thread/", u.Token, map[string]any{"id": thread,
			"message": textMessage("first", "user", "draw a red fox in the snow")}), 200)
		deadline := time.After(30 * time.Second)
		for {
			select {
			case raw := <-pubs:
				var ev struct{ Type, ThreadID, Title string }
				if err := json.Unmarshal(raw, &ev); err != nil {
					t.Fatal(err)
				}
				if ev.Type == "thread_title" {
					if ev.ThreadID != thread || ev.Title == "" || strings.Contains(strings.ToLower(ev.Title), "draw") {
						t.Fatalf("thread_title event %+v", ev)
					}
					return
				}
			case <-deadline:
				t.Fatal("no thread_title event")
			}
		}
	})
}

// TestRealtimeTokenRoute: with an external Centrifugo configured, GET
// /realtime/token mints an HS256 connection token for the caller that the
// shared secret verifies; the embedded node's websocket is then not
// served. In the embedded default the token route is 404.
func TestRealtimeTokenRoute(t *testing.T) {
	const secret = "a-centrifugo-secret-of-32-bytes!!"
	centrifugo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{}`)) //nolint:errcheck
	}))
	defer centrifugo.Close()
	external := func(c *config.Config) {
		c.Realtime = config.RealtimeConfig{CentrifugoAPIURL: centrifugo.URL, CentrifugoAPIKey: "k",
			CentrifugoTokenSecret: secret}
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, external)
		u := e.newUser()
		var out struct{ Token string }
		expect(t, e.do("GET", "/realtime/token", u.Token, nil), 200).json(t, &out)
		claims := jwt.MapClaims{}
		if _, err := jwt.ParseWithClaims(out.Token, claims, func(*jwt.Token) (any, error) { return []byte(secret), nil },
			jwt.WithValidMethods([]string{"HS256"})); err != nil {
			t.Fatalf("token does not verify: %v", err)
		}
		if claims["sub"] != u.ID {
			t.Fatalf("sub %v, want %s", claims["sub"], u.ID)
		}
		expect(t, e.do("GET", "/realtime/token", "", nil), 401)
		expect(t, e.bad("GET", "/connection/websocket", "", nil), 404)
	})
	forEachStore(t, func(t *testing.T, e *env) {
		expect(t, e.do("GET", "/realtime/token", e.newUser().Token, nil), 404)
		expect(t, e.bad("GET", "/connection/websocket", "", nil), 400) // not an upgrade
	})
}

// TestDeleteThreadCleansUp: deleting a thread queues, in the same
// transaction, the job that deletes its images, blobs included. (The
// cancellation of its running tasks is in internal/tasks' tests, with
// River running.)
func TestDeleteThreadCleansUp(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.newUser()
		thread := e.newThread(u, "hello")
		e.openStream(ctx, "POST", "/agent/streaming", u.Token, streamBody(thread, "u2", "draw a lighthouse"), nil).all(t)
		versions, err := e.store.ListVersions(ctx, thread)
		if err != nil || len(versions) != 1 || len(versions[0].Images) == 0 || versions[0].Images[0].File == nil {
			t.Fatalf("versions %+v, %v", versions, err)
		}
		image := *versions[0].Images[0].File
		if rc, err := e.api.Blobs.Open(ctx, image.StorageKey); err != nil {
			t.Fatalf("the image is not stored: %v", err)
		} else {
			rc.Close()
		}
		expect(t, e.do("DELETE", "/thread/"+thread, u.Token, nil), 200)
		waitFor(t, "the thread's image deleted", func() bool {
			_, err := e.store.GetFile(ctx, image.ID)
			return errors.Is(err, store.ErrNotFound)
		})
		for _, key := range []string{image.StorageKey, image.ThumbKey} {
			if rc, err := e.api.Blobs.Open(ctx, key); err == nil {
				rc.Close()
				t.Fatalf("%s is still stored", key)
			}
		}
	})
}
