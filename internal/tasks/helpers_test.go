package tasks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/files"
	"github.com/kira-art/kira/internal/media"
	"github.com/kira-art/kira/internal/moderation"
	"github.com/kira-art/kira/internal/realtime"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/tasks"
	"github.com/kira-art/kira/internal/view"
)

// fixture is one store with the real files service on a local blob
// directory, the view converter signing its URLs, and a recording
// publisher: everything tasks.Service works with except the providers,
// which each test picks.
type fixture struct {
	st       *store.Store
	files    *files.Service
	blobs    *blob.Local
	blobRoot string
	views    *view.Converter
	pub      *recorder
	log      *slog.Logger
}

func newFixture(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "blobs")
	blobs, err := blob.NewLocal(root, blob.NewSigner("http://files.test", []byte("0123456789abcdef0123456789abcdef")))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	checker := moderation.NewLocal(moderation.Lists{}, moderation.DefaultMaxDistance)
	fs := files.New(st, blobs, checker, log, files.Limits{TempDir: dir})
	return &fixture{st: st, files: fs, blobs: blobs, blobRoot: root, views: view.New(blobs), pub: &recorder{}, log: log}
}

// service builds a tasks.Service over the fixture with these providers (a
// test "retries" with another provider by building a second service).
func (f *fixture) service(v media.VideoProvider, m media.MusicProvider) *tasks.Service {
	return tasks.New(tasks.Deps{Store: f.st, Files: f.files, Views: f.views, Video: v, Music: m, Publisher: f.pub, Log: f.log})
}

// user makes a profile on plan with balance credits in total (sign-up
// credit plus add-on credits as needed).
func (f *fixture) user(t *testing.T, plan string, balance int) string {
	t.Helper()
	ctx := context.Background()
	id := uuid.NewString()
	p, _, err := f.st.EnsureProfile(ctx, id, id+"@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.SetPlan(ctx, id, plan); err != nil {
		t.Fatal(err)
	}
	have := p.Credit + p.AddonCredits
	if balance > have {
		if _, _, err := f.st.AddCredits(ctx, id, balance-have, "test grant"); err != nil {
			t.Fatal(err)
		}
	} else if balance < have {
		// Spend the difference under a key of its own, so the test starts
		// from an exact balance.
		if _, err := f.st.ChargeCredits(ctx, store.Charge{UserID: id, Key: "setup:" + id, Amount: have - balance,
			Reason: "test setup"}); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.balance(t, id); got != balance {
		t.Fatalf("setup balance %d, want %d", got, balance)
	}
	return id
}

// task is a pending task of user in a new thread, created as the agent
// does (its River job is inserted with it; nothing works it unless a test
// starts internal/jobs).
type task struct{ id, user, thread string }

func (f *fixture) task(t *testing.T, user, kind, prompt string, params string) task {
	t.Helper()
	ctx := context.Background()
	thread := uuid.NewString()
	first := store.Message{ID: uuid.NewString(), Role: "user", Format: store.FormatV5,
		Body: []byte(`{"id":"m","role":"user","parts":[{"type":"text","text":"make something"}]}`)}
	if _, err := f.st.CreateThread(ctx, store.Thread{ID: thread, UserID: user, Title: "t"}, first); err != nil {
		t.Fatal(err)
	}
	id := uuid.NewString()
	mt := store.MediaTask{ID: id, Kind: kind, Status: store.TaskPending, Provider: "local", Prompt: prompt, Params: []byte(params)}
	if _, err := f.st.SaveVersion(ctx, user, thread, first.ID, nil, []store.MediaTask{mt}); err != nil {
		t.Fatal(err)
	}
	return task{id: id, user: user, thread: thread}
}

func (f *fixture) get(t *testing.T, id string) store.MediaTask {
	t.Helper()
	mt, err := f.st.GetTask(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return mt
}

func (f *fixture) balance(t *testing.T, user string) int {
	t.Helper()
	p, err := f.st.GetProfile(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	return p.Credit + p.AddonCredits
}

// ledgerRow is one credit_ledger row: its key and total delta.
type ledgerRow struct {
	key   string
	delta int
}

// ledger reads the ledger rows of a task's charge and refund (the keys
// tasks.ChargeKey names), straight from the database: the store has no
// reader for them, and the point is to see what was written.
func (f *fixture) ledger(t *testing.T, user, chargeKey string) []ledgerRow {
	t.Helper()
	ctx := context.Background()
	q := `SELECT entry_key, credit_delta + addon_delta FROM credit_ledger
		WHERE user_id = ? AND (entry_key = ? OR entry_key = ?) ORDER BY created_at, entry_key`
	var out []ledgerRow
	scan := func(next func() bool, sc func(...any) error, errf func() error) {
		for next() {
			var r ledgerRow
			if err := sc(&r.key, &r.delta); err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		if err := errf(); err != nil {
			t.Fatal(err)
		}
	}
	pg, db := f.st.WorkerPool()
	if pg != nil {
		rows, err := pg.Query(ctx, pgPlaceholders(q), user, chargeKey, "refund:"+chargeKey)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		scan(rows.Next, rows.Scan, rows.Err)
		return out
	}
	rows, err := db.QueryContext(ctx, q, user, chargeKey, "refund:"+chargeKey)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	scan(rows.Next, rows.Scan, rows.Err)
	return out
}

// pgPlaceholders numbers q's ? placeholders for pgx ($1, $2, …).
func pgPlaceholders(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// chargeKey is the ledger key of task id of kind.
func chargeKey(kind, id string) string { return tasks.ChargeKey(store.MediaTask{ID: id, Kind: kind}) }

// checkLedger asserts the task's charge (and refund, when refunded) rows:
// exactly one charge of cost and at most the one refund.
func (f *fixture) checkLedger(t *testing.T, tk task, kind string, cost int, refunded bool) {
	t.Helper()
	key := chargeKey(kind, tk.id)
	want := []ledgerRow{{key, -cost}}
	if refunded {
		want = append(want, ledgerRow{"refund:" + key, cost})
	}
	got := f.ledger(t, tk.user, key)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ledger of %s: %v, want %v", key, got, want)
	}
}

// blobFileIDs lists the file ids that have objects under the user's area
// of the blob directory. The local store leaves a deleted file's empty
// directory behind (an object store has none), so only directories
// holding objects count.
func (f *fixture) blobFileIDs(t *testing.T, user string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(f.blobRoot, blob.AreaUser, user))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range entries {
		objects, err := os.ReadDir(filepath.Join(f.blobRoot, blob.AreaUser, user, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if len(objects) > 0 {
			ids = append(ids, e.Name())
		}
	}
	return ids
}

// checkNoOrphans asserts that every object directory of the user belongs
// to a files row.
func (f *fixture) checkNoOrphans(t *testing.T, user string) {
	t.Helper()
	ids := f.blobFileIDs(t, user)
	rows, err := f.st.GetFiles(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if _, ok := rows[id]; !ok {
			t.Errorf("orphan blobs of file %s under the user's directory (no files row)", id)
		}
	}
}

// checkBlob asserts the object at key exists and is not empty.
func (f *fixture) checkBlob(t *testing.T, what, key string) {
	t.Helper()
	if key == "" {
		t.Fatalf("%s: no storage key", what)
	}
	r, err := f.blobs.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("%s %s: %v", what, key, err)
	}
	defer r.Close()
	n, err := io.Copy(io.Discard, r)
	if err != nil || n == 0 {
		t.Fatalf("%s %s: %d bytes, %v", what, key, n, err)
	}
}

// recorder is a realtime.Publisher that keeps what it was given.
type recorder struct {
	mu   sync.Mutex
	msgs []published
}

type published struct {
	channel string
	event   view.TaskStatusEvent
	raw     []byte
}

func (r *recorder) Publish(_ context.Context, channel string, data []byte) error {
	var e view.TaskStatusEvent
	if err := json.Unmarshal(data, &e); err != nil {
		return fmt.Errorf("recorder: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, published{channel: channel, event: e, raw: append([]byte(nil), data...)})
	return nil
}

// of returns the events published about task id, asserting each went to
// its owner's thread channel.
func (r *recorder) of(t *testing.T, tk task) []view.TaskStatusEvent {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []view.TaskStatusEvent
	for _, m := range r.msgs {
		if m.event.TaskID != tk.id {
			continue
		}
		if want := realtime.UserChannel(tk.user, tk.thread); m.channel != want {
			t.Errorf("event %s published on %q, want %q", m.event.Status, m.channel, want)
		}
		out = append(out, m.event)
	}
	return out
}

// statuses are the statuses published about a task, in order.
func (r *recorder) statuses(t *testing.T, tk task) []string {
	t.Helper()
	var out []string
	for _, e := range r.of(t, tk) {
		out = append(out, e.Status)
	}
	return out
}

// checkStatuses asserts the published sequence of a task.
func (r *recorder) checkStatuses(t *testing.T, tk task, want ...string) {
	t.Helper()
	if got := r.statuses(t, tk); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("published statuses %v, want %v", got, want)
	}
}

// eventually polls cond until it holds or within runs out.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wait receives from ch within d.
func wait[T any](t *testing.T, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(d):
		t.Fatalf("after %s: %s", d, what)
	}
	var zero T
	return zero
}
