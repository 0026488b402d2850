package httpapi_test

import (
	"context"
	"encoding/json"
	"image"
	"image/color"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/store"
)

// providerTimeout is MODERATION_TIMEOUT in these tests: long enough for a
// loaded machine, short enough that a hanging provider costs little.
const providerTimeout = time.Second

// modPart is one part of a moderation request's input.
type modPart struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	ImageURL *struct {
		URL string `json:"url"`
	} `json:"image_url"`
}

// fakeModeration speaks the OpenAI moderation API (POST /moderations with
// a multi-modal input array): it records every request's input and answers
// with what its current answer function says. Status 0 hangs until the
// client gives up.
type fakeModeration struct {
	t   *testing.T
	srv *httptest.Server

	mu     sync.Mutex
	answer func(in []modPart) (int, string)
	inputs [][]modPart
}

func newFakeModeration(t *testing.T) *fakeModeration {
	t.Helper()
	f := &fakeModeration{t: t, answer: always(200, modClean)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeModeration) serve(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model string    `json:"model"`
		Input []modPart `json:"input"`
	}
	raw, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || r.URL.Path != "/moderations" || r.Header.Get("Authorization") != "Bearer sk-test" ||
		json.Unmarshal(raw, &req) != nil || req.Model == "" || len(req.Input) == 0 {
		f.t.Errorf("unexpected moderation request %s %s: %s", r.Method, r.URL.Path, raw)
		http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.inputs = append(f.inputs, req.Input)
	answer := f.answer
	f.mu.Unlock()
	status, body := answer(req.Input)
	if status == 0 {
		<-r.Context().Done() // the client's timeout ends the request
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// set changes how the fake answers from now on.
func (f *fakeModeration) set(answer func(in []modPart) (int, string)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answer = answer
}

// requests is how many requests reached the fake.
func (f *fakeModeration) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.inputs)
}

// sawText reports whether some request carried text exactly.
func (f *fakeModeration) sawText(text string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, in := range f.inputs {
		if slices.ContainsFunc(in, func(p modPart) bool { return p.Type == "text" && p.Text == text }) {
			return true
		}
	}
	return false
}

// images is how many image parts (PNG data URLs) reached the fake.
func (f *fakeModeration) images() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, in := range f.inputs {
		for _, p := range in {
			if p.Type == "image_url" && p.ImageURL != nil && strings.HasPrefix(p.ImageURL.URL, "data:image/png;base64,") {
				n++
			}
		}
	}
	return n
}

// Moderation API answers.
const (
	modClean = `{"id":"modr-1","model":"omni-moderation-latest","results":[{"flagged":false,` +
		`"categories":{"sexual":false,"sexual/minors":false,"violence":false},` +
		`"category_scores":{"sexual":0.002,"sexual/minors":0.0001,"violence":0.001}}]}`
	modNSFW = `{"id":"modr-2","model":"omni-moderation-latest","results":[{"flagged":true,` +
		`"categories":{"sexual":true,"sexual/minors":false,"violence":false},` +
		`"category_scores":{"sexual":0.93,"sexual/minors":0.02,"violence":0.001}}]}`
	modCSAM = `{"id":"modr-3","model":"omni-moderation-latest","results":[{"flagged":true,` +
		`"categories":{"sexual":true,"sexual/minors":true,"violence":false},` +
		`"category_scores":{"sexual":0.95,"sexual/minors":0.9,"violence":0.001}}]}`
)

func always(status int, body string) func([]modPart) (int, string) {
	return func([]modPart) (int, string) { return status, body }
}

// outages are the ways a provider fails to decide.
var outages = []struct {
	name   string
	answer func([]modPart) (int, string)
}{
	{"status 500", always(500, `{"error":{"message":"internal"}}`)},
	{"timeout", always(0, "")},
	{"garbage", always(200, `{"results":[{"categories":`)},
	{"no results", always(200, `{"id":"modr-4","results":[]}`)},
}

// modEnv is a server whose checker is the one MODERATION_PROVIDER=openai
// builds (the embedded block lists, then the fake provider).
type modEnv struct {
	feedEnv
	fake *fakeModeration
}

func forEachModerationStore(t *testing.T, fn func(t *testing.T, e modEnv)) {
	t.Helper()
	fakes := sync.Map{} // per backend subtest
	build := func(t *testing.T, st *store.Store) *env {
		fake := newFakeModeration(t)
		fakes.Store(t, fake)
		return newAppEnv(t, st, nil, func(c *config.Config) {
			c.Moderation = config.ModerationConfig{Provider: "openai", BaseURL: fake.srv.URL, APIKey: "sk-test",
				Model: "omni-moderation-latest", CSAMThreshold: 0.5, Timeout: providerTimeout}
		})
	}
	forEachRawStoreWith(t, build, func(t *testing.T, r rawEnv) {
		fake, _ := fakes.Load(t)
		fn(t, modEnv{feedEnv{r}, fake.(*fakeModeration)})
	})
}

// listedPattern is the picture content/moderation lists as its test-safe
// block-list entry (the same drawing as internal/moderation's testPattern).
func listedPattern() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for y := range 256 {
		for x := range 256 {
			dx, dy := x-90, y-150
			ring := uint8(0)
			if (dx*dx+dy*dy)/700%2 == 0 {
				ring = 200
			}
			img.SetRGBA(x, y, color.RGBA{ring, uint8((x + y) / 2), uint8(255 - x), 255})
		}
	}
	return img
}

func TestProviderAvatar(t *testing.T) {
	t.Parallel()
	forEachModerationStore(t, func(t *testing.T, e modEnv) {
		ctx := context.Background()
		u := e.member()
		first := e.uploadImage(u, gradient(100, 100)).Image
		expect(t, e.do("PUT", "/user/profile", u.Token, map[string]any{"avatarImageId": first.ImageID}), 200)
		if e.fake.images() != 1 {
			t.Fatalf("the avatar did not reach the provider as an image: %d images", e.fake.images())
		}
		unchanged := func(what string) {
			t.Helper()
			p, err := e.store.GetProfile(ctx, u.ID)
			if err != nil || p.AvatarImageID != first.ImageID || p.Nickname == "Changed" {
				t.Fatalf("%s changed the profile: %+v %v", what, p, err)
			}
		}

		// The provider scores sexual/minors over the threshold: 451, the file
		// and its derivatives gone, nothing else of the update applied.
		e.fake.set(always(200, modCSAM))
		bad := e.uploadImage(u, scene(21, 160, 120)).Image
		csamError(t, e.do("PUT", "/user/profile", u.Token, map[string]any{"avatarImageId": bad.ImageID, "nickname": "Changed"}))
		e.expectGone(bad)
		unchanged("a CSAM avatar")

		// A provider that cannot decide fails closed: 503, the file kept.
		for i, o := range outages {
			e.fake.set(o.answer)
			img := e.uploadImage(u, scene(uint64(30+i), 120, 90)).Image
			expectError(t, e.do("PUT", "/user/profile", u.Token, map[string]any{"avatarImageId": img.ImageID, "nickname": "Changed"}),
				503, "unavailable")
			unchanged(o.name)
			expect(t, e.env.fetch(img.URL), 200)
		}

		// A listed picture is blocked by the local lists even though the
		// provider would clear it, and is never sent to the provider.
		e.fake.set(always(200, modClean))
		before := e.fake.images()
		listed := e.uploadImage(u, listedPattern()).Image
		csamError(t, e.do("PUT", "/user/profile", u.Token, map[string]any{"avatarImageId": listed.ImageID}))
		e.expectGone(listed)
		if e.fake.images() != before {
			t.Fatal("a listed image was sent to the provider")
		}
		unchanged("a listed avatar")

		// The provider back and clean: the avatar changes.
		next := e.uploadImage(u, scene(40, 90, 90)).Image
		expect(t, e.do("PUT", "/user/profile", u.Token, map[string]any{"avatarImageId": next.ImageID}), 200)
		if p, _ := e.store.GetProfile(ctx, u.ID); p.AvatarImageID != next.ImageID {
			t.Fatalf("clean avatar not set: %+v", p)
		}
	})
}

func TestProviderImageCheck(t *testing.T) {
	t.Parallel()
	forEachModerationStore(t, func(t *testing.T, e modEnv) {
		u := e.member()
		for _, o := range outages {
			e.fake.set(o.answer)
			img := e.uploadImage(u, scene(50, 120, 90)).Image
			expectError(t, e.do("POST", "/image/check/"+img.ImageID, u.Token, nil), 503, "unavailable")
			expect(t, e.env.fetch(img.URL), 200)
		}
		e.fake.set(always(200, modCSAM))
		bad := e.uploadImage(u, scene(51, 120, 90)).Image
		csamError(t, e.do("POST", "/image/check/"+bad.ImageID, "", nil))
		e.expectGone(bad)

		e.fake.set(always(200, modClean))
		fine := e.uploadImage(u, scene(52, 120, 90)).Image
		expect(t, e.do("POST", "/image/check/"+fine.ImageID, "", nil), 200)
	})
}

func TestProviderPublish(t *testing.T) {
	t.Parallel()
	forEachModerationStore(t, func(t *testing.T, e modEnv) {
		u := e.member()
		// Whatever way the provider fails, the post is stored hidden (nsfw)
		// with the route's usual 200, and the public feed does not list it.
		for i, o := range outages {
			e.fake.set(o.answer)
			f := e.publish(u, e.image(u, scene(uint64(60+i), 160, 120), "a harbour at night"))
			if flagsOf(f) != "[nsfw]" {
				t.Fatalf("%s: flags %s, want [nsfw]", o.name, flagsOf(f))
			}
		}
		if p := e.page("/feed/", ""); len(p.Feeds) != 0 {
			t.Fatalf("posts published during an outage are public: %v", p.ids())
		}

		// An audio post: cover, lyrics and prompt all reach the provider;
		// any one flagged hides the post.
		e.fake.set(func(in []modPart) (int, string) {
			if len(in) == 1 && in[0].Type == "text" && strings.Contains(in[0].Text, "explicit") {
				return 200, modNSFW
			}
			return 200, modClean
		})
		images := e.fake.images()
		song := e.file(u, "audio", "audio/mpeg", []byte("fake mp3"), "")
		cover := e.image(u, scene(70, 200, 200), "")
		audio := e.task(u, "audio", "completed", song, cover, `{"lyrics":"explicit verses","title":"Rain","instrumental":false}`)
		var a feedJSON
		expect(t, e.do("POST", "/publish/audio", u.Token, map[string]any{"audio": map[string]any{"taskId": audio}}), 200).json(t, &a)
		if !e.fake.sawText("explicit verses") || !e.fake.sawText("neon rain") || e.fake.images() != images+1 {
			t.Fatalf("audio publish did not check lyrics, prompt and cover (images %d → %d)", images, e.fake.images())
		}
		if flagsOf(a) != "[nsfw]" {
			t.Fatalf("flagged lyrics: flags %s", flagsOf(a))
		}

		// A video: its thumbnail and prompt; clean is public.
		clip := e.file(u, "video", "video/mp4", []byte("fake mp4"), "")
		thumb := e.image(u, scene(71, 320, 180), "")
		video := e.task(u, "video", "completed", clip, thumb, `{"duration":5,"ratio":"16:9"}`)
		var v feedJSON
		expect(t, e.do("POST", "/publish/video", u.Token, map[string]any{"video": map[string]any{"taskId": video}}), 200).json(t, &v)
		if flagsOf(v) != "[]" || e.fake.images() != images+2 {
			t.Fatalf("clean video: flags %s, images %d", flagsOf(v), e.fake.images())
		}
	})
}

// threadFlags reads a thread's flags from the database.
func (e modEnv) threadFlags(u user, id string) []string {
	e.t.Helper()
	th, err := e.store.GetThread(context.Background(), u.ID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return th.Flags
}

// moderatedThreads is how many moderate_thread jobs have completed.
func (e modEnv) moderatedThreads() int {
	e.t.Helper()
	var n int
	if err := e.raw.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'moderate_thread' AND state = 'completed'`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestProviderThreadFirstMessage(t *testing.T) {
	t.Parallel()
	forEachModerationStore(t, func(t *testing.T, e modEnv) {
		u := e.member()
		e.fake.set(func(in []modPart) (int, string) {
			if in[0].Type == "text" && strings.Contains(in[0].Text, "explicit") {
				return 200, modNSFW
			}
			return 200, modClean
		})
		clean := e.newThread(u, "a quiet harbour")
		flagged := e.newThread(u, "something explicit")
		waitFor(t, "the flagged thread to be marked nsfw", func() bool { return slices.Contains(e.threadFlags(u, flagged), "nsfw") })
		waitFor(t, "both threads to be moderated", func() bool { return e.moderatedThreads() == 2 })
		if f := e.threadFlags(u, clean); len(f) != 0 || !e.fake.sawText("a quiet harbour") {
			t.Fatalf("clean thread flags %v", f)
		}

		// The local lists win over a provider that says clean.
		e.fake.set(always(200, modClean))
		nude := e.newThread(u, "a nude fox")
		waitFor(t, "a locally listed term to flag the thread", func() bool { return slices.Contains(e.threadFlags(u, nude), "nsfw") })

		// An attached image of ours is checked too.
		e.fake.set(func(in []modPart) (int, string) {
			if in[0].Type == "image_url" {
				return 200, modNSFW
			}
			return 200, modClean
		})
		img := e.uploadImage(u, scene(80, 120, 90)).Image
		var out struct{ ID string }
		expect(t, e.do("POST", "/thread/", u.Token, map[string]any{"message": map[string]any{"id": "first", "role": "user",
			"parts": []any{map[string]any{"type": "text", "text": "what do you think"},
				map[string]any{"type": "file", "mediaType": "image/png", "url": img.URL}}}}), 200).json(t, &out)
		waitFor(t, "an attached image to flag the thread", func() bool { return slices.Contains(e.threadFlags(u, out.ID), "nsfw") })

		// The request never waits on the provider: with it hanging, the
		// thread is created at once; the job's attempt times out and River
		// retries it, and the retry flags the thread.
		e.fake.set(always(0, ""))
		hung := e.fake.requests()
		start := time.Now()
		late := e.newThread(u, "explicit, later")
		if d := time.Since(start); d >= providerTimeout {
			t.Fatalf("POST /thread/ took %s with the provider hanging", d)
		}
		waitFor(t, "the job to reach the hanging provider", func() bool { return e.fake.requests() > hung })
		if f := e.threadFlags(u, late); len(f) != 0 {
			t.Fatalf("flags %v before any verdict", f)
		}
		e.fake.set(func(in []modPart) (int, string) { return 200, modNSFW })
		waitFor(t, "the retried job to flag the thread", func() bool { return slices.Contains(e.threadFlags(u, late), "nsfw") })
	})
}
