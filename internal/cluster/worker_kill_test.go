package cluster_test

import (
	"encoding/json"
	"fmt"
	"image"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/avenc"
)

// fakeSeedance is a Seedance-shaped video API in the test process. Each
// worker gets its own base path (VIDEO_BASE_URL=<url>/<name>), so the
// test knows which process runs a task; while hold is set every job
// stays "running", which keeps a task mid-work for as long as needed.
type fakeSeedance struct {
	srv     *httptest.Server
	hold    atomic.Bool
	mu      sync.Mutex
	submits map[string]int // by worker name
	video   []byte
}

func newFakeSeedance(t *testing.T) *fakeSeedance {
	f := &fakeSeedance{submits: map[string]int{}, video: smallMP4(64, 48, 5)}
	f.hold.Store(true)
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// baseURL is the VIDEO_BASE_URL of the worker called name.
func (f *fakeSeedance) baseURL(name string) string { return f.srv.URL + "/" + name }

func (f *fakeSeedance) submitted(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.submits[name]
}

func (f *fakeSeedance) serve(w http.ResponseWriter, r *http.Request) {
	const tasks = "/api/v3/contents/generations/tasks"
	name, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	rest = "/" + rest
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodGet && name == "video.mp4":
		w.Header().Set("Content-Type", "video/mp4")
		w.Write(f.video) //nolint:errcheck
	case r.Method == http.MethodPost && rest == tasks:
		f.mu.Lock()
		f.submits[name]++
		id := fmt.Sprintf("cgt-%s-%d", name, f.submits[name])
		f.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"id": id}) //nolint:errcheck
	case r.Method == http.MethodGet && strings.HasPrefix(rest, tasks+"/"):
		id := strings.TrimPrefix(rest, tasks+"/")
		if f.hold.Load() {
			json.NewEncoder(w).Encode(map[string]any{"id": id, "status": "running"}) //nolint:errcheck
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"id": id, "status": "succeeded", //nolint:errcheck
			"content": map[string]any{"video_url": f.srv.URL + "/video.mp4"}})
	case r.Method == http.MethodDelete:
		w.Write([]byte(`{}`)) //nolint:errcheck
	default:
		http.NotFound(w, r)
	}
}

// smallMP4 is a real w×h MP4 of n frames (what the provider "made").
func smallMP4(w, h, n int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	var samples [][]byte
	for i := range n {
		for j := range img.Pix {
			img.Pix[j] = uint8(i*7 + j)
		}
		samples = append(samples, avenc.RGBAFrame(img, w, h, i%2))
	}
	return avenc.MuxMP4(w, h, 10, avenc.SPS(w, h), avenc.PPS(), samples)
}

// TestWorkerKilledMidTask: the only process running video jobs (`kira
// worker`; A and B have MEDIA_WORKERS=0) is killed with SIGKILL while its
// task waits on the provider. A new worker takes the task over once the
// dead one's slot lease (3 s) has run out, the task completes, and the
// user was charged exactly once.
func TestWorkerKilledMidTask(t *testing.T) {
	needServices(t)
	fake := newFakeSeedance(t)
	c := startCluster(t, clusterEnv{
		all: []string{"TASK_SLOT_LEASE=3s", "VIDEO_PROVIDER=seedance", "VIDEO_BASE_URL=" + fake.baseURL("first"),
			"VIDEO_API_KEY=test-key", "VIDEO_MODEL=seedance-test"},
		serve: []string{"MEDIA_WORKERS=0"},
	})
	u := c.newUser(t, c.a)
	c.kira(t, "plan", "--sub", u.ID, "--plan", "pro")
	c.kira(t, "credits", "--sub", u.ID, "--add", "500")
	thread := c.newThread(t, c.a, u, "hello")
	status, s, _, err := openStream(t.Context(), c.a.url, "POST", "/agent/streaming", u,
		map[string]any{"threadId": thread, "messages": []any{textMessage("m1", "make a video of waves at sunset")}})
	if err != nil || status != 200 {
		t.Fatalf("start the run: %d %v", status, err)
	}
	if _, err := s.rest(); err != nil {
		t.Fatal(err)
	}
	var taskID string
	if err := c.db.QueryRow(`SELECT id FROM media_tasks WHERE user_id = $1 AND kind = 'video'`, u.ID).Scan(&taskID); err != nil {
		t.Fatalf("the run queued no video task: %v", err)
	}
	poll(t, "the worker submitting the video", func() bool { return fake.submitted("first") > 0 })

	if err := c.w.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.w.done
	fake.hold.Store(false) // the provider finishes whatever it is asked now
	c.start("worker2", "worker", "VIDEO_BASE_URL="+fake.baseURL("second"))

	poll(t, "the task completing on the new worker", func() bool {
		var st struct{ Status string }
		r := c.call(c.b, "GET", "/video/task/"+taskID, u, nil)
		return r.Status == 200 && json.Unmarshal(r.Body, &st) == nil && st.Status == "completed"
	})
	if fake.submitted("second") == 0 {
		t.Fatal("the task completed without the new worker asking the provider")
	}
	rows, err := c.db.Query(`SELECT entry_key, credit_delta + addon_delta FROM credit_ledger WHERE user_id = $1 AND ref_id = $2`, u.ID, taskID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var entries []string
	charged := 0
	for rows.Next() {
		var key string
		var delta int
		if err := rows.Scan(&key, &delta); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, fmt.Sprintf("%s %+d", key, delta))
		charged -= delta
	}
	if len(entries) != 1 || charged <= 0 {
		t.Fatalf("ledger entries of the task %v, want exactly one charge", entries)
	}
}

// poll waits for cond, checking every 100 ms for up to 90 s.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
