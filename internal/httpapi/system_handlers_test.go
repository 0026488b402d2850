package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kira-art/kira/internal/apitest"
	"github.com/kira-art/kira/internal/store/storetest"
)

func TestSystemRoutes(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		expect(t, e.do("GET", "/health", "", nil), 200)
		var ready struct {
			Status string
			Checks map[string]string
		}
		expect(t, e.do("GET", "/ready", "", nil), 200).json(t, &ready)
		if ready.Status != "ok" || ready.Checks["database"] != "ok" {
			t.Fatalf("ready %+v", ready)
		}
		spec := expect(t, e.do("GET", "/openapi.yaml", "", nil), 200)
		if !strings.HasPrefix(string(spec.Body), "openapi: 3.1") {
			t.Fatalf("openapi.yaml starts %q", spec.Body[:20])
		}
		jwks := expect(t, e.do("GET", "/.well-known/jwks.json", "", nil), 200)
		if !strings.Contains(string(jwks.Body), e.key.KeyID()) {
			t.Fatal("JWKS does not publish the development key")
		}
		u := e.newUser()
		e.newThread(u, "count me")
		metrics := expect(t, e.do("GET", "/metrics", "", nil), 200)
		if !strings.Contains(string(metrics.Body), `route="POST /thread/{$}"`) {
			t.Fatalf("metrics lack the thread route:\n%s", metrics.Body)
		}
	})
}

func TestReadyIs503WhenDatabaseIsDown(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	e := newEnv(t, st)
	st.Close()
	var ready struct {
		Status string
		Checks map[string]string
	}
	expect(t, e.do("GET", "/ready", "", nil), 503).json(t, &ready)
	if ready.Checks["database"] == "ok" {
		t.Fatalf("ready %+v", ready)
	}
}

func TestUnknownRouteIsJSON404(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t))
	req, _ := http.NewRequestWithContext(apitest.WithoutValidation(context.Background()), "GET", e.srv.URL+"/no/such/route", nil)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d content-type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t))
	req, _ := http.NewRequest("OPTIONS", e.srv.URL+"/thread/", nil)
	req.Header.Set("Origin", "http://localhost:3000")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "http://localhost:3000" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Last-Event-ID") {
		t.Fatalf("dev preflight: %d %v", resp.StatusCode, resp.Header)
	}
}
