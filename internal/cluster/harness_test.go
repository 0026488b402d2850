// Package cluster_test is the multi-instance harness (issue 10 item 2):
// it builds the kira binary once and runs two `kira serve` instances (A,
// B) and one `kira worker` as real processes on one Postgres schema, one
// Redis prefix and one shared blob store, then drives them over HTTP and
// websockets the way clients behind a load balancer would. It needs
// KIRA_TEST_DATABASE_URL and KIRA_TEST_REDIS_URL (.ci/run sets both).
package cluster_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for the River and run rows
	"github.com/redis/go-redis/v9"

	"github.com/kira-art/kira/internal/blob/blobtest"
	"github.com/kira-art/kira/internal/redistest"
	"github.com/kira-art/kira/internal/store/storetest"
)

// cluster is the running deployment of one test.
type cluster struct {
	t       *testing.T
	bin     string
	env     []string // shared by every process (and `kira token`/`plan`/`credits`)
	db      *sql.DB  // the schema, for River job rows and run rows
	a, b, w *proc
	pass    string // ADMIN_PASSWORD
	// serveEnv is added to the serve instances' environment only.
	serveEnv []string
}

// clusterEnv is extra settings of a test's own cluster: for every process
// (and the operator commands), and for the serve instances only.
type clusterEnv struct{ all, serve []string }

// proc is one kira process.
type proc struct {
	name string
	cmd  *exec.Cmd
	url  string // http://127.0.0.1:port (empty for the worker)
	done chan struct{}
	err  error // set when done is closed
	logs *tail
}

// needServices skips unless both services are configured.
func needServices(t *testing.T) {
	t.Helper()
	if os.Getenv(storetest.EnvDatabaseURL) == "" || os.Getenv(redistest.EnvURL) == "" {
		t.Skipf("the cluster harness needs %s and %s (.ci/run sets both)", storetest.EnvDatabaseURL, redistest.EnvURL)
	}
}

// binDir holds the built binary; TestMain removes it.
var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildKira builds the binary once per test process.
var buildKira = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "kira-cluster-bin-")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "kira")
	_, self, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(self), "..", "..")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/kira")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build: %v\n%s", err, out)
	}
	return bin, nil
})

// blobSettings puts every instance's files in one S3 endpoint — a fake
// S3 (gofakes3) started in this test process, reached over HTTP through
// the real AWS SDK in each kira process — so an instance serves what
// another stored (presigned URLs), as in production. The shared data
// directory then only carries the development keys.
func blobSettings(t *testing.T) []string {
	srv := blobtest.Start(t, "kira", "kira-public")
	return []string{"BLOB_BACKEND=s3", "S3_ENDPOINT=" + srv.URL, "S3_REGION=" + blobtest.Region,
		"S3_BUCKET=kira", "S3_PUBLIC_BUCKET=kira-public", "S3_FORCE_PATH_STYLE=true",
		"S3_ACCESS_KEY_ID=" + blobtest.AccessKeyID, "S3_SECRET_ACCESS_KEY=" + blobtest.SecretAccessKey}
}

// startCluster starts A (which applies the migrations and creates the
// shared development keys), then B and the worker.
func startCluster(t *testing.T, extra ...clusterEnv) *cluster {
	t.Helper()
	needServices(t)
	bin, err := buildKira()
	if err != nil {
		t.Fatal(err)
	}
	dbURL, err := storetest.SchemaURL(t)
	if err != nil {
		t.Fatal(err)
	}
	prefix := "kira-cluster-" + randHex(6) + ":"
	dropRedisKeys(t, prefix)
	c := &cluster{t: t, bin: bin, pass: "cluster-" + randHex(12)}
	// Shared: the development signing key (both instances verify the same
	// tokens), the URL signing key and, with the local backend, the blobs.
	c.env = append(os.Environ(), "DATABASE_URL="+dbURL, "REDIS_URL="+os.Getenv(redistest.EnvURL),
		"REDIS_PREFIX="+prefix, "KIRA_DATA_DIR="+t.TempDir(), "ADMIN_PASSWORD="+c.pass,
		"LLM_TOKEN_DELAY=40ms", "KIRA_LOG_LEVEL=info", // info: the "listening" line
		// Every client here is 127.0.0.1: the global per-IP limit would
		// count the whole load as one abuser. Per-user limits stay on.
		"RATE_LIMIT_IP=off",
		// A dead instance's runs are taken over about 1.2 leases later.
		"RUN_LEASE=3s")
	c.env = append(c.env, blobSettings(t)...)
	for _, x := range extra {
		c.env = append(c.env, x.all...)
		c.serveEnv = append(c.serveEnv, x.serve...)
	}
	if c.db, err = sql.Open("pgx", dbURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.db.Close() })
	// A streams slowly (a run lasts seconds, so the stop and the drain
	// act mid-run); its drain lets runs go on for 6s of the 9s.
	c.a = c.start("A", "serve", "LLM_TOKEN_DELAY=200ms", "KIRA_SHUTDOWN_TIMEOUT=9s")
	if t.Failed() {
		t.FailNow()
	}
	var wg sync.WaitGroup
	wg.Go(func() { c.b = c.start("B", "serve") })
	wg.Go(func() { c.w = c.start("worker", "worker") })
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return c
}

// start runs `kira <role>` and waits until it listens and /ready is 200
// (the worker: until it logged that it runs).
func (c *cluster) start(name, role string, extra ...string) *proc {
	t := c.t
	p := &proc{name: name, done: make(chan struct{}), logs: &tail{}}
	env := append([]string(nil), c.env...)
	if role == "serve" {
		env = append(env, c.serveEnv...)
	}
	env = append(env, extra...)
	if role == "serve" {
		addr := freeAddr()
		p.url = "http://" + addr
		env = append(env, "KIRA_ADDR="+addr, "KIRA_PUBLIC_URL="+p.url)
	}
	p.cmd = exec.Command(c.bin, role)
	p.cmd.Env = env
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Error(err)
		return p
	}
	if err := p.cmd.Start(); err != nil {
		t.Error(err)
		return p
	}
	started := make(chan struct{})
	go p.read(stderr, started)
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill() //nolint:errcheck // already gone after a drain test
		<-p.done
		if t.Failed() {
			t.Logf("%s last log lines:\n%s", name, p.logs)
		}
	})
	select {
	case <-started:
	case <-p.done:
		t.Errorf("%s exited before it ran: %v\n%s", name, p.err, p.logs)
		return p
	case <-time.After(60 * time.Second):
		t.Errorf("%s did not start\n%s", name, p.logs)
		return p
	}
	if p.url != "" {
		c.waitReady(p)
	}
	return p
}

// read keeps the log's tail and reports the start line; it drains the
// pipe to the end so the process never blocks on logging.
func (p *proc) read(r io.Reader, started chan<- struct{}) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	once := sync.Once{}
	for sc.Scan() {
		line := sc.Text()
		p.logs.add(line)
		var rec struct{ Msg string }
		if json.Unmarshal([]byte(line), &rec) == nil && (rec.Msg == "listening" || rec.Msg == "worker running (no HTTP)") {
			once.Do(func() { close(started) })
		}
	}
}

func (c *cluster) waitReady(p *proc) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.url + "/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Errorf("%s never ready\n%s", p.name, p.logs)
}

// user is a member with a development token.
type user struct{ ID, Token string }

// newUser mints a token with `kira token` (the shared data dir's key) and
// creates the profile through inst.
func (c *cluster) newUser(t *testing.T, inst *proc) user {
	t.Helper()
	id := uuid.NewString()
	u := user{ID: id, Token: strings.TrimSpace(c.kira(t, "token", "--sub", id, "--ttl", "2h"))}
	c.call(inst, "GET", "/user/profile", u, nil).want(t, 200)
	return u
}

// kira runs an operator command on the cluster's configuration.
func (c *cluster) kira(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = c.env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kira %v: %v", args, err)
	}
	return string(out)
}

// reply is a finished JSON response.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
	Err    error // transport error (then Status is 0)
}

func (r reply) want(t *testing.T, status int) reply {
	t.Helper()
	if r.Err != nil || r.Status != status {
		t.Fatalf("status %d (%v), want %d: %s", r.Status, r.Err, status, r.Body)
	}
	return r
}

func (r reply) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// call sends a JSON request to an instance as u (zero user: anonymous).
func (c *cluster) call(inst *proc, method, path string, u user, body any) reply {
	return do(inst.url, method, path, u, body)
}

func do(base, method, path string, u user, body any) reply {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return reply{Err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if u.Token != "" {
		req.Header.Set("Authorization", "Bearer "+u.Token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return reply{Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: b, Err: err}
}

// newThread creates a thread whose first message is text.
func (c *cluster) newThread(t *testing.T, inst *proc, u user, text string) string {
	t.Helper()
	var out struct{ ID string }
	c.call(inst, "POST", "/thread/", u, map[string]any{"message": textMessage("first", text)}).want(t, 200).json(t, &out)
	return out.ID
}

func textMessage(id, text string) map[string]any {
	return map[string]any{"id": id, "role": "user", "parts": []any{map[string]any{"type": "text", "text": text}}}
}

// stream is an open SSE response (AI SDK v5 UI message stream).
type stream struct {
	resp *http.Response
	sc   *bufio.Scanner
}

// openStream starts a run (POST /agent/streaming) or replays the active
// one (GET /agent/stream/{thread}); it returns the response status and,
// on 200, the stream.
func openStream(ctx context.Context, base, method, path string, u user, body any) (int, *stream, reply, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(ctx, method, base+path, rd)
	req.Header.Set("Authorization", "Bearer "+u.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, reply{}, err
	}
	if resp.StatusCode != 200 {
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, nil, reply{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	return 200, &stream{resp: resp, sc: sc}, reply{}, nil
}

// chunk is one UI message chunk.
type chunk map[string]any

func (c chunk) typ() string { s, _ := c["type"].(string); return s }

// next returns the next chunk; done at `data: [DONE]`; an error when the
// stream ended without it.
func (s *stream) next() (ch chunk, done bool, err error) {
	for s.sc.Scan() {
		data, ok := strings.CutPrefix(s.sc.Text(), "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			return nil, true, nil
		}
		if err := json.Unmarshal([]byte(data), &ch); err != nil {
			return nil, false, fmt.Errorf("chunk %q: %w", data, err)
		}
		return ch, false, nil
	}
	if err := s.sc.Err(); err != nil {
		return nil, false, err
	}
	return nil, false, io.ErrUnexpectedEOF
}

// rest reads to [DONE] and returns the chunks read.
func (s *stream) rest() ([]chunk, error) {
	defer s.resp.Body.Close()
	var out []chunk
	for {
		ch, done, err := s.next()
		if done {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, ch)
	}
}

// storedMessage is a message of GET /agent/chatMessages.
type storedMessage struct {
	ID       string            `json:"id"`
	Role     string            `json:"role"`
	Parts    []json.RawMessage `json:"parts"`
	Metadata struct {
		Status string `json:"status"`
	} `json:"metadata"`
}

func (m storedMessage) text() string {
	var b strings.Builder
	for _, raw := range m.Parts {
		var p struct{ Type, Text string }
		if json.Unmarshal(raw, &p) == nil && p.Type == "text" {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

func (c *cluster) messages(t *testing.T, inst *proc, u user, thread string) []storedMessage {
	t.Helper()
	var out struct{ Messages []storedMessage }
	c.call(inst, "GET", "/agent/chatMessages/"+thread, u, nil).want(t, 200).json(t, &out)
	return out.Messages
}

// tail keeps a process's last log lines for failure messages.
type tail struct {
	mu    sync.Mutex
	lines []string
}

func (l *tail) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
	if len(l.lines) > 25 {
		l.lines = l.lines[1:]
	}
}

func (l *tail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// freeAddr asks the OS for an unused port: the instance needs its address
// before it starts, because signed file URLs embed KIRA_PUBLIC_URL.
func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:0" // the process then fails to be reached, reported by start
	}
	defer ln.Close()
	return ln.Addr().String()
}

// dropRedisKeys removes the prefix's keys now and at cleanup (run logs
// expire on their own; this keeps the shared Redis tidy).
func dropRedisKeys(t *testing.T, prefix string) {
	opts, err := redis.ParseURL(os.Getenv(redistest.EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		client := redis.NewClient(opts)
		defer client.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := client.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
	})
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) //nolint:errcheck // never fails
	return hex.EncodeToString(b)
}
