package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store/storetest"
)

// TestBinaryEndToEnd builds the real binary, starts `kira serve` with its
// embedded defaults (and again on Postgres when configured), mints a token
// with `kira token` in another process and uses it, then stops the server
// with SIGTERM and expects a clean exit.
func TestBinaryEndToEnd(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "kira")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	legs := map[string]func(t *testing.T) string{"sqlite": func(*testing.T) string { return "" }}
	if os.Getenv(storetest.EnvDatabaseURL) != "" {
		legs["postgres"] = func(t *testing.T) string {
			u, err := storetest.SchemaURL(t)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
	}
	for name, dbURL := range legs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := append(os.Environ(), "KIRA_DATA_DIR="+t.TempDir(), "KIRA_ADDR=127.0.0.1:0", "DATABASE_URL="+dbURL(t))
			serveAndCall(t, bin, env)
			workerStartsAndStops(t, bin, env)
		})
	}
}

func serveAndCall(t *testing.T, bin string, env []string) {
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	t.Cleanup(func() { cmd.Process.Kill() }) //nolint:errcheck
	base := "http://" + waitListening(t, stderr)
	go func() { done <- cmd.Wait() }()

	get(t, base+"/health", "", 200)
	tok := mintToken(t, bin, env)
	body := get(t, base+"/user/profile", tok, 200)
	if !strings.Contains(body, `"plan":"free"`) {
		t.Fatalf("profile %s", body)
	}
	get(t, base+"/user/profile", tok+"x", 401)

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
}

// workerStartsAndStops runs `kira worker` on the same configuration: it
// starts its River workers without listening, and stops on SIGTERM.
func workerStartsAndStops(t *testing.T, bin string, env []string) {
	cmd := exec.Command(bin, "worker")
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() }) //nolint:errcheck
	running := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		listened := false
		for sc.Scan() {
			var line struct{ Msg string }
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				continue
			}
			listened = listened || line.Msg == "listening"
			if line.Msg == "worker running (no HTTP)" {
				running <- !listened
			}
		}
	}()
	select {
	case ok := <-running:
		if !ok {
			t.Fatal("kira worker listened for HTTP")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("kira worker did not start")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("worker exited with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("worker did not stop on SIGTERM")
	}
}

// waitListening reads the JSON log until the "listening" line and keeps
// draining the pipe afterwards so the server never blocks on logging.
func waitListening(t *testing.T, r io.Reader) string {
	t.Helper()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				addr <- line.Addr
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatal("server exited before listening")
		}
		return a
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start listening")
	}
	return ""
}

func mintToken(t *testing.T, bin string, env []string) string {
	t.Helper()
	cmd := exec.Command(bin, "token", "--sub", uuid.NewString(), "--email", "e2e@example.com")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kira token: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func get(t *testing.T, url, token string, want int) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d: %s", url, resp.StatusCode, want, b)
	}
	return string(b)
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	var out, errOut strings.Builder
	if err := run(t.Context(), []string{"version"}, &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "kira ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	if err := run(t.Context(), []string{"bogus"}, &out, &errOut); err == nil {
		t.Fatal("unknown command accepted")
	}
	if err := run(t.Context(), []string{"token"}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "--sub") {
		t.Fatalf("token without --sub: %v", err)
	}
}
