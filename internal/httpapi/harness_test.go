package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/apitest"
	"github.com/kira-art/kira/internal/app"
	"github.com/kira-art/kira/internal/auth"
	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/httpapi"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// env is a real server — the app built by app.New, the constructor the
// binary uses, listening on a loopback port — reached through a client
// that checks every exchange against openapi.yaml. Tests inject only their
// database (a schema of their own) and a moderation checker.
type env struct {
	t      *testing.T
	srv    server
	app    *app.App
	api    *httpapi.Server
	store  *store.Store
	key    *auth.DevKey
	client *http.Client
	// dataDir is the app's KIRA_DATA_DIR (blobs, outbox, keys on disk).
	dataDir string
}

// server is where the env listens.
type server struct{ URL string }

func newEnv(t *testing.T, st *store.Store, mutate ...func(*config.Config)) *env {
	t.Helper()
	return newAppEnv(t, st, []app.Option{app.WithModeration(testModeration)}, mutate...)
}

// newAppEnv is newEnv with the app options given instead of the test
// checker (the moderation tests wire the checker MODERATION_* builds).
func newAppEnv(t *testing.T, st *store.Store, opts []app.Option, mutate ...func(*config.Config)) *env {
	t.Helper()
	dir := t.TempDir()
	key, err := auth.LoadOrCreateDevKey(dir) // the same file the app then loads
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"KIRA_DATA_DIR": dir, "KIRA_ADDR": "127.0.0.1:0", "KIRA_PUBLIC_URL": "http://files.test",
		"LLM_TOKEN_DELAY": "-1ms", "KIRA_LOG_LEVEL": "error",
		"RATE_LIMIT_ENABLED": "false"} // the rate-limit tests turn it on (withRateLimits)
	cfg, err := config.FromLookup(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mutate {
		m(&cfg)
	}
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)),
		append([]app.Option{app.WithStore(st)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return &env{t: t, srv: server{URL: "http://" + a.Addr()}, app: a, api: a.API(), store: st, key: key,
		client: apitest.New(t).Client(t), dataDir: cfg.DataDir}
}

// slowModel makes the local model pause between tokens, so a run stays
// active long enough to observe, reconnect to and stop.
func slowModel(delay time.Duration) func(*config.Config) {
	return func(c *config.Config) { c.LLMTokenDelay = delay }
}

// forEachStore runs a handler test on every configured database.
func forEachStore(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, s *store.Store) { fn(t, newEnv(t, s)) })
}

// forEachStoreWith is forEachStore with a configuration change.
func forEachStoreWith(t *testing.T, mutate func(*config.Config), fn func(t *testing.T, e *env)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, s *store.Store) { fn(t, newEnv(t, s, mutate)) })
}

// user is a caller with a valid token.
type user struct {
	ID    string
	Token string
}

func (e *env) newUser() user {
	e.t.Helper()
	id := uuid.NewString()
	tok, err := e.key.Mint(id, "u"+id[:6]+"@example.com", time.Hour, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return user{ID: id, Token: tok}
}

// signed makes a token with arbitrary claims on the server's own key.
func (e *env) signed(claims jwt.MapClaims) string {
	e.t.Helper()
	tok, err := e.key.SignClaims(claims)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// call sends a request; body may be nil, a string (sent raw) or a value
// (sent as JSON). bad marks deliberately invalid requests for the validator.
func (e *env) call(method, path, token string, body any, bad bool) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	ctx := context.Background()
	if bad {
		ctx = apitest.WithBadRequest(ctx)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

func (e *env) do(method, path, token string, body any) response {
	e.t.Helper()
	return e.call(method, path, token, body, false)
}

func (e *env) bad(method, path, token string, body any) response {
	e.t.Helper()
	return e.call(method, path, token, body, true)
}

// expect fails unless the status matches; it returns the response.
func expect(t *testing.T, r response, status int) response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	return r
}

// expectError also checks the message mentions want.
func expectError(t *testing.T, r response, status int, want string) {
	t.Helper()
	expect(t, r, status)
	var body struct{ Message string }
	r.json(t, &body)
	if !bytes.Contains([]byte(body.Message), []byte(want)) {
		t.Fatalf("message %q does not mention %q", body.Message, want)
	}
}

func textMessage(id, role, text string) map[string]any {
	return map[string]any{"id": id, "role": role, "parts": []any{map[string]any{"type": "text", "text": text}}}
}

// newThread creates a thread for u and returns its id.
func (e *env) newThread(u user, text string) string {
	e.t.Helper()
	var out struct{ ID string }
	expect(e.t, e.do("POST", "/thread/", u.Token, map[string]any{"message": textMessage("first", "user", text)}), 200).json(e.t, &out)
	return out.ID
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second) // generous: CI machines are small and shared
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
