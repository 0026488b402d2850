package httpapi_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/store/storetest"
)

var assetRE = regexp.MustCompile(`/playground/assets/[A-Za-z0-9_.-]+\.js`)

func TestPlaygroundServesPageAndAssets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t)) // development: on by default
	for _, p := range []string{"/playground", "/playground/"} {
		status, h, body := e.getBasic(p, "")
		if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(body, `<div id="root">`) {
			t.Fatalf("%s: %d %s %.200s", p, status, h.Get("Content-Type"), body)
		}
		if h.Get("Cache-Control") != "no-cache" {
			t.Fatalf("%s: Cache-Control %q", p, h.Get("Cache-Control"))
		}
	}
	_, _, index := e.getBasic("/playground", "")
	js := assetRE.FindString(index)
	if js == "" {
		t.Fatalf("index names no script: %s", index)
	}
	status, h, body := e.getBasic(js, "")
	if status != 200 || !strings.Contains(h.Get("Content-Type"), "javascript") || !strings.Contains(h.Get("Cache-Control"), "immutable") || len(body) < 1000 {
		t.Fatalf("%s: %d %s %s (%d bytes)", js, status, h.Get("Content-Type"), h.Get("Cache-Control"), len(body))
	}
	for _, p := range []string{"/playground/assets/missing.js", "/playground/assets", "/playground/..%2fgo.mod", "/playground/%2e%2e/x"} {
		if status, h, body := e.getBasic(p, ""); status != 404 || !strings.HasPrefix(body, `{"message":`) || h.Get("Cache-Control") != "" {
			t.Fatalf("%s: %d %q %.100s", p, status, h.Get("Cache-Control"), body)
		}
	}
}

func TestPlaygroundIsOffInProductionUnlessEnabled(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		mutate func(*config.Config)
		want   int
	}{
		"KIRA_PLAYGROUND=false": {func(c *config.Config) { c.Playground = false }, http.StatusNotFound},
		"production": {func(c *config.Config) {
			c.Env, c.JWTSecret, c.Playground = config.EnvProduction, "a-legacy-hs256-secret-of-32-bytes!", false
		}, http.StatusNotFound},
		"production, KIRA_PLAYGROUND=true": {func(c *config.Config) {
			c.Env, c.JWTSecret, c.Playground = config.EnvProduction, "a-legacy-hs256-secret-of-32-bytes!", true
		}, http.StatusOK},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, storetest.OpenSQLite(t), c.mutate)
			if status, _, _ := e.getBasic("/playground", ""); status != c.want {
				t.Fatalf("GET /playground: %d, want %d", status, c.want)
			}
		})
	}
}
