package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/textcheck"
)

// guardText refuses, before routing, a request whose path segments or
// query keys and values decode to a NUL or invalid UTF-8 (%00, %FF): every
// handler would otherwise have to check each parameter, and one it missed
// would be a 500 on Postgres and stored bytes on SQLite. The message names
// the parameter: the query key, or the path wildcard of the route the
// request would reach (found only on this error path).
func (s *Server) guardText(mux *routeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkPathText(mux.ServeMux, r); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := checkQueryText(r.URL.RawQuery); err != nil {
			s.writeError(w, r, err)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// checkPathText unescapes segment by segment, as ServeMux does when it
// fills path values, so "%2F" inside a segment keeps its place.
func checkPathText(mux *http.ServeMux, r *http.Request) error {
	esc := r.URL.EscapedPath()
	if !strings.Contains(esc, "%") && textcheck.String(esc) == "" {
		return nil
	}
	for i, seg := range strings.Split(esc, "/") {
		dec, err := url.PathUnescape(seg)
		if err != nil {
			dec = seg
		}
		if reason := textcheck.String(dec); reason != "" {
			return apperr.Invalidf("%s: %s", pathParamName(mux, r, i), reason)
		}
	}
	return nil
}

// pathParamName names segment i of the request path after the matching
// route's wildcard ("threadId"), or "path" when the segment is literal or
// no route matches.
func pathParamName(mux *http.ServeMux, r *http.Request, i int) string {
	_, pattern := mux.Handler(r)
	if sp := strings.IndexByte(pattern, ' '); sp >= 0 {
		pattern = pattern[sp+1:]
	}
	if slash := strings.IndexByte(pattern, '/'); slash >= 0 {
		pattern = pattern[slash:] // drop a host
	}
	segs := strings.Split(pattern, "/")
	for j, seg := range segs {
		name, ok := strings.CutPrefix(seg, "{")
		if !ok {
			continue
		}
		name = strings.TrimSuffix(strings.TrimSuffix(name, "}"), "...")
		if j == i || (j < i && strings.HasSuffix(seg, "...}")) {
			if name == "$" {
				break
			}
			return name
		}
	}
	return "path"
}

// checkQueryText checks every key and value of the query string.
func checkQueryText(rawQuery string) error {
	if rawQuery == "" || (!strings.Contains(rawQuery, "%") && textcheck.String(rawQuery) == "") {
		return nil
	}
	q, _ := url.ParseQuery(rawQuery) // malformed pairs are dropped, as r.URL.Query() does for handlers
	for k, vs := range q {
		if reason := textcheck.String(k); reason != "" {
			return apperr.Invalidf("query: parameter names %s", reason)
		}
		for _, v := range vs {
			if reason := textcheck.String(v); reason != "" {
				return apperr.Invalidf("%s: %s", k, reason)
			}
		}
	}
	return nil
}
