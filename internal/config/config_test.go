package config

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func lookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := FromLookup(lookup(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || !c.Dev() || c.DatabaseURL != "" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c.PublicURL != "http://localhost:8080" {
		t.Fatalf("public url %q", c.PublicURL)
	}
	if c.SQLitePath() != "data/kira.db" {
		t.Fatalf("sqlite path %q", c.SQLitePath())
	}
}

func TestSupabaseDerivesJWKSAndIssuer(t *testing.T) {
	t.Parallel()
	c, err := FromLookup(lookup(map[string]string{"SUPABASE_URL": "https://abc.supabase.co/"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.JWKSURL != "https://abc.supabase.co/auth/v1/.well-known/jwks.json" || c.JWTIssuer != "https://abc.supabase.co/auth/v1" {
		t.Fatalf("got %q %q", c.JWKSURL, c.JWTIssuer)
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := FromLookup(lookup(map[string]string{
		"KIRA_ENV":       "staging",
		"DATABASE_URL":   "mysql://x",
		"REDIS_URL":      "http://x",
		"KIRA_LOG_LEVEL": "loud",
		"CORS_ORIGINS":   "kira.art",
		"LLM_PROVIDER":   "magic",
	}))
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("want *Error, got %v", err)
	}
	for _, want := range []string{"KIRA_ENV", "DATABASE_URL", "REDIS_URL", "KIRA_LOG_LEVEL", "CORS_ORIGINS", "LLM_PROVIDER"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

func TestProductionNeedsRealAuth(t *testing.T) {
	t.Parallel()
	_, err := FromLookup(lookup(map[string]string{"KIRA_ENV": "production"}))
	if err == nil || !strings.Contains(err.Error(), "SUPABASE_URL") {
		t.Fatalf("want auth problem, got %v", err)
	}
}

func TestLogValueRedactsSecrets(t *testing.T) {
	t.Parallel()
	c, err := FromLookup(lookup(map[string]string{
		"DATABASE_URL":        "postgres://kira:hunter2pass@db:5432/kira",
		"ADMIN_PASSWORD":      "supersecretadminpassword",
		"SUPABASE_JWT_SECRET": "jwtsecretvalue",
		"LLM_PROVIDER":        "openai",
		"LLM_MODEL":           "gpt-test",
		"LLM_API_KEY":         "sk-llmsecretkey",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", c)
	out := buf.String()
	for _, secret := range []string{"hunter2pass", "supersecretadminpassword", "jwtsecretvalue", "sk-llmsecretkey"} {
		if strings.Contains(out, secret) {
			t.Errorf("log leaks %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "db:5432") {
		t.Errorf("log lost the database host: %s", out)
	}
}

func TestCMSSettings(t *testing.T) {
	t.Parallel()
	c, err := FromLookup(lookup(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.CMSURL != "" || c.CMSTimeout != 3*time.Second || c.CMSCacheTTL != time.Minute {
		t.Fatalf("CMS defaults: %q %v %v", c.CMSURL, c.CMSTimeout, c.CMSCacheTTL)
	}
	c, err = FromLookup(lookup(map[string]string{"CMS_URL": "https://cms.example/api/?token=cmstoken123", "CMS_TIMEOUT": "500ms", "CMS_CACHE_TTL": "2m"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.CMSURL != "https://cms.example/api/?token=cmstoken123" || c.CMSTimeout != 500*time.Millisecond || c.CMSCacheTTL != 2*time.Minute {
		t.Fatalf("CMS settings: %q %v %v", c.CMSURL, c.CMSTimeout, c.CMSCacheTTL)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", c)
	if out := buf.String(); strings.Contains(out, "cmstoken123") || !strings.Contains(out, "cms.example") {
		t.Errorf("CMS URL logged wrongly: %s", out)
	}
	_, err = FromLookup(lookup(map[string]string{"CMS_URL": "cms.example", "CMS_TIMEOUT": "soon", "CMS_CACHE_TTL": "-1s"}))
	for _, want := range []string{"CMS_TIMEOUT"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want a %s problem, got %v", want, err)
		}
	}
	_, err = FromLookup(lookup(map[string]string{"CMS_URL": "cms.example", "CMS_CACHE_TTL": "-1s"}))
	for _, want := range []string{"CMS_URL", "CMS_CACHE_TTL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want a %s problem, got %v", want, err)
		}
	}
}

func TestPlaygroundDefaultsByEnvironment(t *testing.T) {
	for _, c := range []struct {
		vars map[string]string
		want bool
	}{
		{map[string]string{}, true},
		{map[string]string{"KIRA_PLAYGROUND": "false"}, false},
		{map[string]string{"KIRA_ENV": "production", "SUPABASE_URL": "https://abc.supabase.co"}, false},
		{map[string]string{"KIRA_ENV": "production", "SUPABASE_URL": "https://abc.supabase.co", "KIRA_PLAYGROUND": "true"}, true},
	} {
		got, err := FromLookup(lookup(c.vars))
		if err != nil {
			t.Fatalf("%v: %v", c.vars, err)
		}
		if got.Playground != c.want {
			t.Errorf("%v: Playground %v, want %v", c.vars, got.Playground, c.want)
		}
	}
	if _, err := FromLookup(lookup(map[string]string{"KIRA_PLAYGROUND": "sometimes"})); err == nil || !strings.Contains(err.Error(), "KIRA_PLAYGROUND") {
		t.Fatalf("a bad KIRA_PLAYGROUND: %v", err)
	}
}
