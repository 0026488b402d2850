package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/faultproxy"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// faultBound is how long any request may take while a dependency is down:
// far longer than a clean failure needs, far shorter than a hang.
const faultBound = 20 * time.Second

// pgProxyEnv is a server whose Postgres connections all go through a
// fault proxy (the shared Postgres itself is never touched).
type pgProxyEnv struct {
	*env
	proxy *faultproxy.Proxy
}

func newPostgresProxyEnv(t *testing.T) pgProxyEnv {
	t.Helper()
	if os.Getenv(storetest.EnvDatabaseURL) == "" {
		t.Skipf("needs %s", storetest.EnvDatabaseURL)
	}
	schemaURL, err := storetest.SchemaURL(t)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(schemaURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := faultproxy.New(t, u.Host)
	u.Host = proxy.Addr()
	st, err := store.Open(context.Background(), u.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return pgProxyEnv{env: newEnv(t, st), proxy: proxy}
}

// probe is one request of the outage tests.
type probe struct {
	name, method, path string
	body               any
}

// bounded sends a request that must be answered within faultBound; a
// hang fails the test instead of blocking it.
func (e *env) bounded(p probe, token string) (response, time.Duration) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), faultBound)
	defer cancel()
	var rd io.Reader
	if p.body != nil {
		raw, _ := json.Marshal(p.body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, p.method, e.srv.URL+p.path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s: no answer within %v: %v", p.name, faultBound, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s: body: %v", p.name, err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: raw}, time.Since(start)
}

// expectUnavailable: a 503 with the JSON error body.
func expectUnavailable(t *testing.T, name string, r response) {
	t.Helper()
	var body struct{ Message string }
	if r.Status != http.StatusServiceUnavailable || json.Unmarshal(r.Body, &body) != nil || body.Message == "" {
		t.Fatalf("%s while Postgres is down: %d %s, want 503 with {\"message\"}", name, r.Status, r.Body)
	}
}

// outageProbes are ordinary reads and writes of a member with a thread
// and a published post: each needs the database.
func (e pgProxyEnv) outageProbes(u user) []probe {
	e.t.Helper()
	thread := e.newThread(u, "a fox")
	up := e.uploadImage(u, scene(3, 64, 48))
	var post struct{ ID string }
	expect(e.t, e.do("POST", "/publish/", u.Token, map[string]any{"imageId": up.FileID}), 200).json(e.t, &post)
	return []probe{
		{name: "profile", method: "GET", path: "/user/profile"},
		{name: "public profile", method: "GET", path: "/user/profile/" + u.ID},
		{name: "feed", method: "GET", path: "/feed/"},
		{name: "post", method: "GET", path: "/feed/" + post.ID},
		{name: "like", method: "PUT", path: "/like/" + post.ID},
		{name: "like state", method: "GET", path: "/like/" + post.ID},
		{name: "threads", method: "GET", path: "/thread/threads"},
		{name: "messages", method: "GET", path: "/agent/chatMessages/" + thread},
		{name: "new thread", method: "POST", path: "/thread/",
			body: map[string]any{"message": textMessage("m", "user", "hello")}},
	}
}

// TestPostgresOutageAndRecovery: with every Postgres connection reset
// (the database restarting), /ready and ordinary requests answer 503 with
// the JSON error body, at once; once Postgres is back the same server
// answers 200 again, without a restart. Under a partition (bytes held,
// nothing reset) /ready still answers 503 within its deadline; ordinary
// requests then wait on the stalled connection: nothing bounds a query's
// time yet (no request or statement deadline), so that is not asserted.
func TestPostgresOutageAndRecovery(t *testing.T) {
	t.Parallel()
	e := newPostgresProxyEnv(t)
	u := e.newUser()
	expect(t, e.do("GET", "/user/profile", u.Token, nil), 200)
	probes := e.outageProbes(u)
	for _, p := range probes {
		if r, _ := e.bounded(p, u.Token); r.Status != 200 {
			t.Fatalf("%s before the outage: %d %s", p.name, r.Status, r.Body)
		}
	}

	e.proxy.Set(faultproxy.Down)
	if r, _ := e.bounded(probe{name: "ready", method: "GET", path: "/ready"}, ""); r.Status != 503 {
		t.Fatalf("/ready while Postgres is down: %d %s", r.Status, r.Body)
	}
	for _, p := range probes {
		r, took := e.bounded(p, u.Token)
		expectUnavailable(t, p.name, r)
		t.Logf("%s: 503 in %v", p.name, took.Round(time.Millisecond))
	}

	e.proxy.Set(faultproxy.Pass)
	waitFor(t, "/ready after Postgres is back", func() bool {
		r, _ := e.bounded(probe{name: "ready", method: "GET", path: "/ready"}, "")
		return r.Status == 200
	})
	for _, p := range probes {
		if r, _ := e.bounded(p, u.Token); r.Status != 200 {
			t.Fatalf("%s after recovery: %d %s", p.name, r.Status, r.Body)
		}
	}

	// A partition (bytes held, nothing reset): /ready still answers 503
	// within its own deadline, and recovers.
	e.proxy.Set(faultproxy.Blackhole)
	if r, _ := e.bounded(probe{name: "ready", method: "GET", path: "/ready"}, ""); r.Status != 503 {
		t.Fatalf("/ready while Postgres is unreachable: %d %s", r.Status, r.Body)
	}
	e.proxy.Set(faultproxy.Pass)
	waitFor(t, "/ready after the partition", func() bool {
		r, _ := e.bounded(probe{name: "ready", method: "GET", path: "/ready"}, "")
		return r.Status == 200
	})
}
