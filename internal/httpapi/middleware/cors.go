package middleware

import (
	"net/http"
	"strings"
)

// CORSConfig says which browser origins may call the API.
type CORSConfig struct {
	// AllowAnyOrigin reflects any Origin; for development only.
	AllowAnyOrigin bool
	// Origins is the production allow-list of exact origins such as
	// "https://kira.art". An entry may start with one wildcard label, as in
	// "https://*.kira.art", which matches one or more subdomain labels of
	// kira.art over https (https://op.kira.art, https://a.b.kira.art) but not
	// kira.art itself, another scheme, or lookalikes such as
	// https://kira.art.evil.com.
	Origins []string
}

// The CORS header values, built once. Responses share these slices: they
// are assigned with cap == len, so an Add elsewhere copies instead of
// writing into them, and nothing edits header values in place.
var (
	corsVaryOrigin    = []string{"Origin"}
	corsAllowMethods  = []string{"GET, POST, PUT, PATCH, DELETE, OPTIONS"}
	corsAllowHeaders  = []string{"Authorization, Content-Type, Last-Event-ID, X-Request-Id"}
	corsExposeHeaders = []string{"X-Request-Id"}
	corsMaxAge        = []string{"600"}
)

// CORS answers preflight requests itself and adds CORS headers to responses
// for allowed origins.
//
// The allowed Origin is reflected rather than answered with "*", so the
// policy stays correct should credentials ever be involved; the API uses
// bearer tokens, so Access-Control-Allow-Credentials is never sent. Every
// response carries Vary: Origin because its headers depend on it. Preflights
// never reach the router: an allowed one gets 204 with the policy, a
// disallowed one a bare 204, which the browser treats as a refusal.
// Non-preflight requests from disallowed origins pass through without CORS
// headers, so the browser withholds the response from the page.
//
// Headers are assigned by canonical key with the precomputed values above
// (and the request's own Origin slice), so the common path allocates
// nothing.
func CORS(cfg CORSConfig) func(http.Handler) http.Handler {
	allowed := newOriginMatcher(cfg)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			if v, ok := h["Vary"]; ok {
				h["Vary"] = append(v, "Origin")
			} else {
				h["Vary"] = corsVaryOrigin[:1:1]
			}
			origin := r.Header["Origin"]
			ok := len(origin) > 0 && origin[0] != "" && allowed(origin[0])
			if ok {
				h["Access-Control-Allow-Origin"] = origin[:1:1]
			}
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				if ok {
					h["Access-Control-Allow-Methods"] = corsAllowMethods[:1:1]
					h["Access-Control-Allow-Headers"] = corsAllowHeaders[:1:1]
					h["Access-Control-Max-Age"] = corsMaxAge[:1:1]
				}
				w.WriteHeader(http.StatusNoContent)
				return
			}
			if ok {
				h["Access-Control-Expose-Headers"] = corsExposeHeaders[:1:1]
			}
			next.ServeHTTP(w, r)
		})
	}
}

// newOriginMatcher compiles cfg once so the per-request check does no
// parsing. Origins are compared case-insensitively because configuration is
// typed by people, while browsers send them lower-case.
func newOriginMatcher(cfg CORSConfig) func(origin string) bool {
	if cfg.AllowAnyOrigin {
		return func(string) bool { return true }
	}
	exact := make(map[string]bool)
	var wild []wildcardOrigin
	for _, o := range cfg.Origins {
		o = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(o), "/"))
		if w, ok := parseWildcardOrigin(o); ok {
			wild = append(wild, w)
			continue
		}
		exact[o] = true
	}
	return func(origin string) bool {
		origin = strings.ToLower(origin)
		if exact[origin] {
			return true
		}
		for _, w := range wild {
			if w.match(origin) {
				return true
			}
		}
		return false
	}
}

// wildcardOrigin is a parsed "scheme://*.rest" entry, where rest is a host
// with an optional port.
type wildcardOrigin struct {
	prefix string // "https://"
	suffix string // ".kira.art" (or ".kira.art:8443")
}

func parseWildcardOrigin(entry string) (wildcardOrigin, bool) {
	scheme, rest, ok := strings.Cut(entry, "://")
	if !ok || scheme == "" || !strings.HasPrefix(rest, "*.") || len(rest) == 2 {
		return wildcardOrigin{}, false
	}
	if strings.ContainsAny(rest[2:], "*/") {
		return wildcardOrigin{}, false // only one leading wildcard label is supported
	}
	return wildcardOrigin{prefix: scheme + "://", suffix: rest[1:]}, true
}

// match requires the part the wildcard stands for to be one or more
// well-formed DNS labels, so the origin's host really is a subdomain: the
// suffix check alone is anchored at the end, and the label check stops
// anything else (userinfo, ports, slashes) hiding in front of it.
func (w wildcardOrigin) match(origin string) bool {
	hostport, ok := strings.CutPrefix(origin, w.prefix)
	if !ok {
		return false
	}
	labels, ok := strings.CutSuffix(hostport, w.suffix)
	if !ok || labels == "" {
		return false
	}
	for _, l := range strings.Split(labels, ".") {
		if !validLabel(l) {
			return false
		}
	}
	return true
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
