package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/agent"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/files"
	"github.com/kira-art/kira/internal/llm"
	"github.com/kira-art/kira/internal/media"
	"github.com/kira-art/kira/internal/runs"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
	"github.com/kira-art/kira/internal/uistream"
	"github.com/kira-art/kira/internal/view"
)

// freezer is the run backend of an instance that dies at a chosen chunk:
// from then on every append and lease renewal blocks (the process is gone
// as far as anyone can tell) until the test releases it, and then fails, so
// the frozen instance can be shut down and must not write anything more.
type freezer struct {
	runs.Backend
	trigger func(c uistream.Chunk) bool
	before  bool // freeze before appending the trigger chunk (it is lost)

	once    sync.Once
	frozen  chan struct{}
	release chan struct{}
}

var errDead = errors.New("instance is dead")

func newFreezer(b runs.Backend, before bool, trigger func(uistream.Chunk) bool) *freezer {
	return &freezer{Backend: b, trigger: trigger, before: before, frozen: make(chan struct{}), release: make(chan struct{})}
}

func (f *freezer) isFrozen() bool {
	select {
	case <-f.frozen:
		return true
	default:
		return false
	}
}

func (f *freezer) block() error {
	<-f.release
	return errDead
}

func (f *freezer) AppendAs(ctx context.Context, runID, writer string, data []byte) (string, error) {
	if f.isFrozen() {
		return "", f.block()
	}
	c, err := uistream.ParseChunk(data)
	if err == nil && f.trigger(c) {
		f.once.Do(func() { close(f.frozen) })
		if f.before {
			return "", f.block()
		}
		id, err := f.Backend.AppendAs(ctx, runID, writer, data)
		if err != nil {
			return id, err
		}
		return "", f.block()
	}
	return f.Backend.AppendAs(ctx, runID, writer, data)
}

func (f *freezer) Renew(ctx context.Context, threadID, runID string, ttl time.Duration) error {
	if f.isFrozen() {
		return f.block()
	}
	return f.Backend.Renew(ctx, threadID, runID, ttl)
}

func (f *freezer) Close(ctx context.Context, runID string) error {
	if f.isFrozen() {
		return f.block()
	}
	return f.Backend.Close(ctx, runID)
}

func (f *freezer) Release(ctx context.Context, threadID, runID string) error {
	if f.isFrozen() {
		return f.block()
	}
	return f.Backend.Release(ctx, threadID, runID)
}

func isType(typ string, nth int) func(uistream.Chunk) bool {
	var mu sync.Mutex
	seen := 0
	return func(c uistream.Chunk) bool {
		if c.Type() != typ {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		seen++
		return seen == nth
	}
}

// TestRunTakeover kills the instance running a chat turn at each kind of
// point in its stream and checks that another instance continues the run
// in the same log: the viewer's stream is one valid stream to finish, the
// stored message is what the viewer assembled, its text equals an
// uninterrupted run's, and tools ran (and were charged) once.
func TestRunTakeover(t *testing.T) {
	t.Parallel()
	// Each case builds its trigger afresh (triggers count chunks).
	cases := func() []takeoverCase {
		return []takeoverCase{
			{"after start", fox, true, true, isType(uistream.TypeStartStep, 1)},
			{"mid text", fox, false, true, isType(uistream.TypeTextDelta, 3)},
			// A call cut off mid-arguments fails as interrupted; the model
			// makes it again in the next step, so the text has one more step.
			{"mid tool input", fox, false, false, isType(uistream.TypeToolInputDelta, 1)},
			{"tool input complete", fox, false, true, isType(uistream.TypeToolInputAvailable, 1)},
			{"image made, output lost", fox, true, true, isType(uistream.TypeToolOutputAvailable, 1)},
			{"after tool output", fox, false, true, isType(uistream.TypeToolOutputAvailable, 1)},
			{"second step text opened", fox, false, true, isType(uistream.TypeTextStart, 2)},
			{"second step mid text", fox, false, true, isType(uistream.TypeTextDelta, 14)},
			{"video queued", "make a video of a fox running", false, true, isType(uistream.TypeToolOutputAvailable, 1)},
		}
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		// One deployment per store: every instance's reaper may claim any
		// expired run, so they must share the run backend, as they do.
		w := newWorld(t, s)
		for _, tc := range cases() {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				want := w.reference(t, tc.prompt)
				w.killedRun(t, tc, want)
			})
		}
	})
}

const fox = "draw a red fox in the snow"

type takeoverCase struct {
	name, prompt string
	before       bool // the trigger chunk is lost with the instance
	sameText     bool // the message reads exactly as an uninterrupted run's
	trigger      func(uistream.Chunk) bool
}

// world is two instances' agents on one store and one run backend.
type world struct {
	s     *store.Store
	mem   *runs.Memory
	files *files.Service
	views *view.Converter
}

const testLease = 2 * time.Second

func newWorld(t *testing.T, s *store.Store) *world {
	dir := t.TempDir()
	blobs, err := blob.NewLocal(filepath.Join(dir, "blobs"), blob.NewSigner("http://localhost:8080", []byte("0123456789abcdef0123456789abcdef")))
	if err != nil {
		t.Fatal(err)
	}
	return &world{s: s, mem: runs.NewMemory(time.Minute), files: files.New(s, blobs, nil, quiet(), files.Limits{}), views: view.New(blobs)}
}

func (w *world) service(backend runs.Backend, instance string) *agent.Service {
	return w.serviceWith(backend, instance, llm.NewLocal(time.Millisecond))
}

func (w *world) serviceWith(backend runs.Backend, instance string, model llm.Model) *agent.Service {
	return agent.New(agent.Deps{Store: w.s, Runs: backend, Model: model, Images: media.LocalImages{},
		Files: w.files, Views: w.views, Log: quiet(), Instance: instance, LeaseTTL: testLease})
}

// downModel is a provider that fails every request (an outage).
type downModel struct{}

func (downModel) Name() string { return "down" }
func (downModel) Stream(context.Context, llm.Request) (llm.Stream, error) {
	return nil, errors.New("provider unavailable")
}

// TestRunTakeoverModelDown: the instance taking a run over cannot reach
// the model; the run ends cleanly with an error chunk as its last chunk,
// the partial message is stored as the viewer assembled it, with
// {"status":"error"}, and the run is failed, not left running.
func TestRunTakeoverModelDown(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s)
		dead := newFreezer(w.mem, false, isType(uistream.TypeTextDelta, 3))
		a := w.service(dead, "A")
		_, thread, run := w.start(t, a, fox)
		viewer := w.follow(t, run.ID)
		<-dead.frozen
		b := w.serviceWith(w.mem, "B", downModel{})
		b.Start()
		t.Cleanup(func() {
			close(dead.release)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			a.Stop(ctx) //nolint:errcheck
			b.Stop(ctx) //nolint:errcheck
		})
		asm := awaitStream(t, viewer, uistream.TypeError)
		got, err := s.GetRun(context.Background(), run.ID)
		if err != nil || got.Status != store.RunFailed {
			t.Fatalf("run %+v %v, want failed", got, err)
		}
		msgs, _ := s.ListMessages(context.Background(), thread)
		var stored struct {
			Parts    []json.RawMessage       `json:"parts"`
			Metadata struct{ Status string } `json:"metadata"`
		}
		if err := json.Unmarshal(msgs[len(msgs)-1].Body, &stored); err != nil {
			t.Fatal(err)
		}
		vb, _ := json.Marshal(asm.Message().Parts)
		sb, _ := json.Marshal(stored.Parts)
		if stored.Metadata.Status != "error" || string(vb) != string(sb) {
			t.Fatalf("stored status %q parts %s; viewer assembled %s", stored.Metadata.Status, sb, vb)
		}
	})
}

// outcome is what a finished turn left behind.
type outcome struct {
	text              string
	tools, images     int
	tasks, charged    int
	viewer, stored    string
	status, runStatus string
}

func (w *world) start(t *testing.T, svc *agent.Service, prompt string) (user, thread string, run store.Run) {
	t.Helper()
	user = newUser(t, w.s)
	thread = newThread(t, w.s, user, text("hello"))
	body, _ := json.Marshal(map[string]any{"id": "m2", "role": "user", "parts": []any{text(prompt)}})
	st, err := svc.Begin(context.Background(), agent.StartRequest{UserID: user, ThreadID: thread,
		UserMessage: &store.Message{ThreadID: thread, UserID: user, ID: "m2", Role: "user", Body: body}})
	if err != nil {
		t.Fatal(err)
	}
	return user, thread, st.Run
}

// reference is an uninterrupted run of the prompt.
func (w *world) reference(t *testing.T, prompt string) outcome {
	svc := w.service(w.mem, "ref")
	user, thread, run := w.start(t, svc, prompt)
	return w.collect(t, user, thread, run, w.follow(t, run.ID))
}

// killedRun starts the run on instance A, which dies at the trigger, and
// lets instance B take it over.
func (w *world) killedRun(t *testing.T, tc takeoverCase, want outcome) {
	dead := newFreezer(w.mem, tc.before, tc.trigger)
	a := w.service(dead, "A")
	user, thread, run := w.start(t, a, tc.prompt)
	viewer := w.follow(t, run.ID)
	select {
	case <-dead.frozen:
	case <-time.After(30 * time.Second):
		t.Fatal("instance A never reached the point where it dies")
	}
	b := w.service(w.mem, "B")
	b.Start()
	t.Cleanup(func() {
		close(dead.release) // the frozen instance wakes up fenced out
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a.Stop(ctx) //nolint:errcheck
		b.Stop(ctx) //nolint:errcheck
	})
	got := w.collect(t, user, thread, run, viewer)
	if got.runStatus != store.RunCompleted || got.status != "" {
		t.Fatalf("run %s, message status %q; want completed", got.runStatus, got.status)
	}
	if got.viewer != got.stored {
		t.Fatalf("stored message differs from the viewer's:\nviewer %s\nstored %s", got.viewer, got.stored)
	}
	if tc.sameText && got.text != want.text {
		t.Fatalf("text %q, uninterrupted run said %q", got.text, want.text)
	}
	if got.images != want.images || got.tasks != want.tasks || got.charged != want.charged {
		t.Fatalf("images %d tasks %d charged %d; uninterrupted run: images %d tasks %d charged %d",
			got.images, got.tasks, got.charged, want.images, want.tasks, want.charged)
	}
}

// follow tails the run's log from its first entry and returns the chunks
// when the log ends.
func (w *world) follow(t *testing.T, runID string) <-chan []uistream.Chunk {
	sub, err := w.mem.Tail(context.Background(), runID, "")
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan []uistream.Chunk, 1)
	go func() {
		var cs []uistream.Chunk
		for ev := range sub.Events() {
			c, err := uistream.ParseChunk(ev.Data)
			if err != nil {
				t.Errorf("chunk %s: %v", ev.Data, err)
			}
			cs = append(cs, c)
		}
		out <- cs
	}()
	return out
}

func (w *world) collect(t *testing.T, user, thread string, run store.Run, viewer <-chan []uistream.Chunk) outcome {
	t.Helper()
	asm := awaitStream(t, viewer, uistream.TypeFinish)
	var o outcome
	vb, _ := json.Marshal(asm.Message().Parts)
	o.viewer = string(vb)
	r, err := w.s.GetRun(context.Background(), run.ID)
	if err != nil {
		t.Fatal(err)
	}
	o.runStatus = r.Status
	msgs, err := w.s.ListMessages(context.Background(), thread)
	if err != nil {
		t.Fatal(err)
	}
	var stored struct {
		Parts    []json.RawMessage `json:"parts"`
		Metadata struct {
			Status string `json:"status"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(msgs[len(msgs)-1].Body, &stored); err != nil {
		t.Fatal(err)
	}
	sb, _ := json.Marshal(stored.Parts)
	o.stored, o.status = string(sb), stored.Metadata.Status
	for _, raw := range stored.Parts {
		var p struct{ Type, Text string }
		_ = json.Unmarshal(raw, &p)
		switch {
		case p.Type == "text":
			o.text += p.Text + "|"
		case strings.HasPrefix(p.Type, "tool-"):
			o.tools++
		}
	}
	vs, err := w.s.ListVersions(context.Background(), thread)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		o.images += len(v.Images)
		o.tasks += len(v.Tasks)
	}
	p, err := w.s.GetProfile(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	fresh, _, _ := w.s.EnsureProfile(context.Background(), newUser(t, w.s), "b@example.com")
	o.charged = fresh.Credit + fresh.AddonCredits - p.Credit - p.AddonCredits
	return o
}

// awaitStream waits for the viewer's whole stream, checks it is a valid UI
// message stream ending with a chunk of type last, and assembles it.
func awaitStream(t *testing.T, viewer <-chan []uistream.Chunk, last string) *uistream.Assembler {
	t.Helper()
	var chunks []uistream.Chunk
	select {
	case chunks = <-viewer:
	case <-time.After(60 * time.Second):
		t.Fatal("the run's stream never ended")
	}
	if err := uistream.CheckOrder(chunks); err != nil {
		t.Fatalf("stream is not a valid UI message stream: %v", err)
	}
	if got := chunks[len(chunks)-1].Type(); got != last {
		t.Fatalf("stream ends with %s, want %s", got, last)
	}
	asm := uistream.NewAssembler()
	for _, c := range chunks {
		if err := asm.Add(c); err != nil {
			t.Fatal(err)
		}
	}
	return asm
}
