package agent_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/agent"
	"github.com/kira-art/kira/internal/jobs"
	"github.com/kira-art/kira/internal/llm"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// titled records the onTitled calls.
type titled struct {
	mu    sync.Mutex
	calls [][3]string // thread, user, title
}

func (r *titled) record(_ context.Context, threadID, userID, title string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, [3]string{threadID, userID, title})
}

func (r *titled) get() [][3]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][3]string(nil), r.calls...)
}

func newUser(t *testing.T, s *store.Store) string {
	t.Helper()
	p, _, err := s.EnsureProfile(context.Background(), uuid.NewString(), "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// newThread stores a thread whose first message has the given parts.
func newThread(t *testing.T, s *store.Store, userID string, parts ...any) string {
	t.Helper()
	body, err := json.Marshal(map[string]any{"id": "m1", "role": "user", "parts": parts})
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.NewString()
	if _, err := s.CreateThread(context.Background(), store.Thread{ID: id, UserID: userID, Title: "provisional"},
		store.Message{ID: "m1", Role: "user", Body: body}); err != nil {
		t.Fatal(err)
	}
	return id
}

func text(s string) map[string]any { return map[string]any{"type": "text", "text": s} }

func file(mediaType, url, filename string) map[string]any {
	p := map[string]any{"type": "file", "mediaType": mediaType, "url": url}
	if filename != "" {
		p["filename"] = filename
	}
	return p
}

func title(t *testing.T, s *store.Store, userID, threadID string) store.Thread {
	t.Helper()
	th, err := s.GetThread(context.Background(), userID, threadID)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestWriteTitleFromText(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		id := newThread(t, s, u, text("draw a red fox in the snow"))
		rec := &titled{}
		w := agent.NewTitles(s, llm.NewLocal(0), quiet(), rec.record)
		if err := w.WriteTitle(ctx, id); err != nil {
			t.Fatal(err)
		}
		if th := title(t, s, u, id); th.Title != "Red fox in the snow" || th.TitleSource != "model" {
			t.Fatalf("thread %q (%s)", th.Title, th.TitleSource)
		}
		if got := rec.get(); len(got) != 1 || got[0] != [3]string{id, u, "Red fox in the snow"} {
			t.Fatalf("onTitled calls %v", got)
		}
		// A retried job finds the title written and announces nothing.
		if err := w.WriteTitle(ctx, id); err != nil || len(rec.get()) != 1 {
			t.Fatalf("second run: %v, calls %v", err, rec.get())
		}
	})
}

func TestWriteTitleFromAttachment(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, other := newUser(t, s), newUser(t, s)
		gen, mine, theirs := "gen_"+uuid.NewString(), "insert_"+uuid.NewString(), "gen_"+uuid.NewString()
		for _, f := range []store.File{
			{ID: gen, UserID: u, Kind: "image", Origin: "gen", ContentType: "image/png", StorageKey: "u/" + u + "/" + gen + "/original.png",
				Prompt: "a castle on a cliff at dawn"},
			{ID: mine, UserID: u, Kind: "image", Origin: "insert", ContentType: "image/jpeg", StorageKey: "u/" + u + "/" + mine + "/original.jpg"},
			{ID: theirs, UserID: other, Kind: "image", Origin: "gen", ContentType: "image/png", StorageKey: "u/x/original.png",
				Prompt: "a secret prompt"},
		} {
			if _, err := s.CreateFile(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		cases := []struct {
			name  string
			parts []any
			want  string
		}{
			{"generated image by id", []any{file("image/png", "https://cdn.example/x.png", gen)}, "Castle on a cliff at dawn"},
			{"generated image by signed URL", []any{file("image/png", "/files/u/"+u+"/"+gen+"/original.png?sig=1", "")}, "Castle on a cliff at dawn"},
			{"upload without prompt", []any{file("image/jpeg", "https://cdn.example/y.jpg", mine)}, "Image edit"},
			{"someone else's file", []any{file("image/png", "https://cdn.example/z.png", theirs)}, "Image edit"},
			{"named file", []any{file("image/png", "https://elsewhere.example/a.png", "red-fox_in_snow.png")}, "Red fox in snow"},
			{"camera file name", []any{file("image/jpeg", "https://elsewhere.example/b.jpg", "IMG_2041.JPG")}, "Image edit"},
			{"blank text beside the file", []any{text("  "), file("image/png", "https://x.example/c.png", gen)}, "Castle on a cliff at dawn"},
			{"text wins over the file", []any{file("image/png", "https://x.example/c.png", gen), text("now make a song about rain")}, "Rain"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				id := newThread(t, s, u, tc.parts...)
				if err := agent.NewTitles(s, llm.NewLocal(0), quiet(), nil).WriteTitle(ctx, id); err != nil {
					t.Fatal(err)
				}
				if th := title(t, s, u, id); th.Title != tc.want {
					t.Errorf("title %q, want %q", th.Title, tc.want)
				}
			})
		}
	})
}

func TestWriteTitleLeavesThreadsAlone(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		rec := &titled{}
		model := &fakeModel{reply: "Should not be used"}
		w := agent.NewTitles(s, model, quiet(), rec.record)

		renamed := newThread(t, s, u, text("a cat"))
		if _, err := s.RenameThread(ctx, u, renamed, "My cat"); err != nil {
			t.Fatal(err)
		}
		deleted := newThread(t, s, u, text("a dog"))
		if _, err := s.DeleteThread(ctx, u, deleted); err != nil {
			t.Fatal(err)
		}
		nothing := newThread(t, s, u, text(""))
		for _, id := range []string{renamed, deleted, uuid.NewString(), nothing} {
			if err := w.WriteTitle(ctx, id); err != nil {
				t.Errorf("thread %s: %v", id, err)
			}
		}
		if th := title(t, s, u, renamed); th.Title != "My cat" || th.TitleSource != "user" {
			t.Errorf("renamed thread %q (%s)", th.Title, th.TitleSource)
		}
		if th := title(t, s, u, nothing); th.Title != "provisional" {
			t.Errorf("empty message's thread %q", th.Title)
		}
		if n := model.count(); n != 0 || len(rec.get()) != 0 {
			t.Errorf("model asked %d times, onTitled %v", n, rec.get())
		}
	})
}

// TestWriteTitleRetriesOnlyTransientFailures: an error makes River try
// again, so it is returned only when trying again can help.
func TestWriteTitleRetriesOnlyTransientFailures(t *testing.T) {
	t.Parallel()
	s := storetest.OpenSQLite(t)
	u := newUser(t, s)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name    string
		ctx     context.Context
		model   *fakeModel
		wantErr bool
	}{
		{"overloaded provider", context.Background(), &fakeModel{err: &llm.APIError{Provider: "p", StatusCode: 503}}, true},
		{"rate limited", context.Background(), &fakeModel{err: &llm.APIError{Provider: "p", StatusCode: 429}}, true},
		{"stream broke off", context.Background(), &fakeModel{streamErr: llm.ErrIncompleteStream}, true},
		{"job timed out", cancelled, &fakeModel{reply: "Cats"}, true},
		{"request refused", context.Background(), &fakeModel{err: &llm.APIError{Provider: "p", StatusCode: 400}}, false},
		{"empty answer", context.Background(), &fakeModel{reply: `"" `}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id := newThread(t, s, u, text("tell me about cats"))
			err := agent.NewTitles(s, tc.model, quiet(), nil).WriteTitle(tc.ctx, id)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tc.wantErr)
			}
			if th := title(t, s, u, id); th.Title != "provisional" {
				t.Errorf("title %q after a failure", th.Title)
			}
		})
	}
}

// TestWriteTitleDescribesAttachments: a provider model sees what the
// message attached, in words, when it has no text.
func TestWriteTitleDescribesAttachments(t *testing.T) {
	t.Parallel()
	s := storetest.OpenSQLite(t)
	ctx := context.Background()
	u := newUser(t, s)
	gen := "gen_" + uuid.NewString()
	if _, err := s.CreateFile(ctx, store.File{ID: gen, UserID: u, Kind: "image", Origin: "gen", ContentType: "image/png",
		StorageKey: "k", Prompt: "a lighthouse in a storm"}); err != nil {
		t.Fatal(err)
	}
	id := newThread(t, s, u, file("image/png", "https://x.example/a.png", gen))
	model := &fakeModel{reply: "Stormy lighthouse"}
	if err := agent.NewTitles(s, model, quiet(), nil).WriteTitle(ctx, id); err != nil {
		t.Fatal(err)
	}
	req := model.last()
	prompt := req.Messages[len(req.Messages)-1].Text()
	if req.Purpose != llm.PurposeTitle || !strings.Contains(prompt, "image/png") || !strings.Contains(prompt, `"a lighthouse in a storm"`) {
		t.Errorf("purpose %v, prompt %q", req.Purpose, prompt)
	}
	if th := title(t, s, u, id); th.Title != "Stormy lighthouse" {
		t.Errorf("title %q", th.Title)
	}
}

// fakeModel answers every request with reply, or fails with err (at
// Stream) or streamErr (after the text).
type fakeModel struct {
	reply          string
	err, streamErr error

	mu   sync.Mutex
	reqs []llm.Request
}

func (m *fakeModel) Name() string { return "fake" }

func (m *fakeModel) Stream(ctx context.Context, req llm.Request) (llm.Stream, error) {
	m.mu.Lock()
	m.reqs = append(m.reqs, req)
	m.mu.Unlock()
	if m.err != nil {
		return nil, m.err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	evs := []llm.Event{llm.TextDelta{Text: m.reply}}
	if m.streamErr == nil {
		evs = append(evs, llm.Finish{Reason: llm.FinishStop})
	}
	return &fakeStream{evs: evs, err: m.streamErr}, nil
}

func (m *fakeModel) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.reqs)
}

func (m *fakeModel) last() llm.Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reqs[len(m.reqs)-1]
}

type fakeStream struct {
	evs []llm.Event
	err error
}

func (s *fakeStream) Next() (llm.Event, error) {
	if len(s.evs) == 0 {
		if s.err != nil {
			return nil, s.err
		}
		return nil, io.EOF
	}
	ev := s.evs[0]
	s.evs = s.evs[1:]
	return ev, nil
}

func (s *fakeStream) Close() error { return nil }

type noTasks struct{}

func (noTasks) Run(context.Context, string, bool) error   { return nil }
func (noTasks) Settle(context.Context, string) error      { return nil }
func (noTasks) Abandon(context.Context, string, error)    {}
func (noTasks) Announce(context.Context, store.MediaTask) {}

type noFiles struct{}

func (noFiles) Purge(context.Context, []string) error { return nil }

// TestTitleJobWritesTitle runs the real River title job that CreateThread
// enqueued: the title arrives without anyone calling WriteTitle.
func TestTitleJobWritesTitle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		id := newThread(t, s, u, text("can you make a video of waves at sunset"))
		done := make(chan [3]string, 1)
		w := agent.NewTitles(s, llm.NewLocal(0), quiet(), func(_ context.Context, threadID, userID, title string) {
			done <- [3]string{threadID, userID, title}
		})
		j, err := jobs.New(jobs.Config{Store: s, Tasks: noTasks{}, Titles: w, Files: noFiles{}, Log: quiet(),
			PollInterval: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := j.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stop, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			j.Stop(stop) //nolint:errcheck // best effort at the end of the test
		})
		select {
		case got := <-done:
			if got != [3]string{id, u, "Waves at sunset"} {
				t.Fatalf("onTitled %v", got)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the title job did not run")
		}
		if th := title(t, s, u, id); th.Title != "Waves at sunset" || th.TitleSource != "model" {
			t.Errorf("thread %q (%s)", th.Title, th.TitleSource)
		}
	})
}
