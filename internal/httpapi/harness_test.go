package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kira-art/kira/internal/apitest"
	"github.com/kira-art/kira/internal/auth"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/embed"
	"github.com/kira-art/kira/internal/files"
	"github.com/kira-art/kira/internal/httpapi"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// env is a real server (real router, store, verifier) behind httptest,
// reached through a client that checks every exchange against openapi.yaml.
type env struct {
	t      *testing.T
	srv    *httptest.Server
	api    *httpapi.Server
	store  *store.Store
	key    *auth.DevKey
	client *http.Client
}

func newEnv(t *testing.T, st *store.Store, mutate ...func(*config.Config)) *env {
	t.Helper()
	dir := t.TempDir()
	key, err := auth.LoadOrCreateDevKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(context.Background(), auth.Config{DevKey: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	cfg, err := config.FromLookup(func(k string) (string, bool) { return map[string]string{"KIRA_DATA_DIR": dir}[k], k == "KIRA_DATA_DIR" })
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mutate {
		m(&cfg)
	}
	blobs, err := blob.NewLocal(filepath.Join(dir, "blobs"), blob.NewSigner("http://files.test", []byte("0123456789abcdef0123456789abcdef")))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fs := files.New(st, blobs, testModeration, log, files.Limits{TempDir: dir})
	api := httpapi.New(httpapi.Deps{Config: cfg, Logger: log, Store: st, Files: fs,
		Verifier: v, DevKey: key, Blobs: blobs, Moderation: testModeration, Embeddings: embed.NewStoreIndex(st),
		Registry: prometheus.NewRegistry(), Ready: []httpapi.ReadyCheck{{Name: "database", Check: st.Ping}}})
	wireAgent(t, api, st)
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(api.Wait)
	return &env{t: t, srv: srv, api: api, store: st, key: key, client: apitest.New(t).Client(t)}
}

// forEachStore runs a handler test on every configured database.
func forEachStore(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, s *store.Store) { fn(t, newEnv(t, s)) })
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
