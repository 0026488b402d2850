package middleware

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCORS(t *testing.T) {
	t.Parallel()
	prod := CORSConfig{Origins: []string{"https://kira.art", "https://*.kira.art", "HTTP://LOCALHOST:5173/"}}
	dev := CORSConfig{AllowAnyOrigin: true}

	cases := []struct {
		name    string
		cfg     CORSConfig
		origin  string
		allowed bool
	}{
		{"dev any origin", dev, "http://random.example:1234", true},
		{"dev no origin", dev, "", false},
		{"exact", prod, "https://kira.art", true},
		{"exact normalised config", prod, "http://localhost:5173", true},
		{"wildcard one label", prod, "https://op.kira.art", true},
		{"wildcard two labels", prod, "https://a.b.kira.art", true},
		{"wildcard wrong scheme", prod, "http://op.kira.art", false},
		{"lookalike suffix", prod, "https://kira.art.evil.com", false},
		{"lookalike prefix", prod, "https://evilkira.art", false},
		{"empty label", prod, "https://.kira.art", false},
		{"port not allowed", prod, "https://op.kira.art:8443", false},
		{"userinfo trick", prod, "https://evil.com@op.kira.art", false},
		{"path trick", prod, "https://evil.com/.kira.art", false},
		{"exact wrong scheme", prod, "http://kira.art", false},
		{"unlisted", prod, "https://example.com", false},
		{"null origin", prod, "null", false},
		{"no origin", prod, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			reached := false
			h := CORS(c.cfg)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached = true
				w.WriteHeader(http.StatusTeapot)
			}))

			// Simple request: always passes through.
			req := httptest.NewRequest(http.MethodGet, "/thread/1", nil)
			if c.origin != "" {
				req.Header.Set("Origin", c.origin)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if !reached || rec.Code != http.StatusTeapot {
				t.Fatalf("request not passed through: %d", rec.Code)
			}
			checkVary(t, rec.Header())
			if rec.Header().Get("Access-Control-Allow-Credentials") != "" {
				t.Error("Allow-Credentials must never be sent")
			}
			if c.allowed {
				if got := rec.Header().Get("Access-Control-Allow-Origin"); got != c.origin {
					t.Errorf("Allow-Origin %q, want %q", got, c.origin)
				}
				if got := rec.Header().Get("Access-Control-Expose-Headers"); got != "X-Request-Id" {
					t.Errorf("Expose-Headers %q", got)
				}
			} else if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("disallowed origin got Allow-Origin %q", got)
			}

			// Preflight: never reaches the router.
			reached = false
			req = httptest.NewRequest(http.MethodOptions, "/thread/1", nil)
			if c.origin != "" {
				req.Header.Set("Origin", c.origin)
			}
			req.Header.Set("Access-Control-Request-Method", "PATCH")
			req.Header.Set("Access-Control-Request-Headers", "authorization")
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if reached || rec.Code != http.StatusNoContent {
				t.Fatalf("preflight: reached=%v status=%d", reached, rec.Code)
			}
			checkVary(t, rec.Header())
			hdr := rec.Header()
			if !c.allowed {
				for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods",
					"Access-Control-Allow-Headers", "Access-Control-Max-Age"} {
					if hdr.Get(k) != "" {
						t.Errorf("denied preflight has %s", k)
					}
				}
				return
			}
			want := map[string]string{
				"Access-Control-Allow-Origin":      c.origin,
				"Access-Control-Allow-Methods":     "GET, POST, PUT, PATCH, DELETE, OPTIONS",
				"Access-Control-Allow-Headers":     "Authorization, Content-Type, Last-Event-ID, X-Request-Id",
				"Access-Control-Max-Age":           "600",
				"Access-Control-Allow-Credentials": "",
			}
			for k, v := range want {
				if got := hdr.Get(k); got != v {
					t.Errorf("preflight %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

// A plain OPTIONS (no Access-Control-Request-Method) is not a preflight and
// belongs to the router.
func TestCORSPlainOptionsPassesThrough(t *testing.T) {
	t.Parallel()
	h := CORS(CORSConfig{AllowAnyOrigin: true})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusMethodNotAllowed)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodOptions, "/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("status %d", rec.Code)
	}
}

func checkVary(t *testing.T, h http.Header) {
	t.Helper()
	for _, v := range h.Values("Vary") {
		if v == "Origin" {
			return
		}
	}
	t.Errorf("Vary: Origin missing, have %q", h.Values("Vary"))
}
