package httpapi_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kira-art/kira/internal/apitest"
	"github.com/kira-art/kira/internal/httpapi"
)

// wrongTyped is, per JSON-body route, a body whose fields have the wrong
// JSON types (API.md §0: 400 naming the field). Every POST/PUT/PATCH/DELETE
// route is either here or in bodyless; a new write route in neither fails
// TestSecurityHostileInput until it is classified.
var wrongTyped = map[string]string{
	"POST /thread/{$}":                   `{"message": 42, "id": []}`,
	"POST /thread":                       `{"message": "hi"}`,
	"PATCH /thread/{threadId}":           `{"title": 42}`,
	"POST /agent/chatMessage/{threadId}": `{"message": "text"}`,
	"POST /agent/streaming":              `{"threadId": 42, "messages": "hello"}`,
	"POST /agent/task":                   `{"threadId": [], "messageId": 1, "images": "x"}`,
	"PUT /user/profile":                  `{"nickname": 42, "watermark": "yes"}`,
	"POST /publish/{$}":                  `{"imageId": 42}`,
	"POST /publish":                      `{"imageId": true}`,
	"POST /publish/video":                `{"video": "x"}`,
	"POST /publish/audio":                `{"audio": 7}`,
	"POST /image":                        `{"imageId": true}`,
	"POST /download/{$}":                 `{"imageId": {}}`,
	"POST /download":                     `{"imageId": 1.5}`,
	"POST /download/video":               `{"taskId": 1}`,
	"POST /video/initialize":             `{"threadId": 5, "fileId": false}`,
	"POST /music/initialize":             `{"threadId": {}, "fileId": 1}`,
	"POST /filter/like":                  `{"filterId": 42}`,
	"POST /mail/account-deletion":        `{"userId": 1, "stage": 2}`,
	"POST /support/delete-account":       `{"reason": 5}`,
	"POST /dev/token":                    `{"userId": 42, "ttlSeconds": "long"}`,
	"PUT /dev/plan":                      `{"plan": true}`,
}

// bodyless are the write routes that read no JSON body (ids travel in the
// path or query; /upload is multipart). A body they do not read is ignored,
// but one past the limit is still 413.
var bodyless = map[string]bool{
	"DELETE /thread/{threadId}": true, "POST /agent/task/{threadId}/stop": true, "DELETE /user/{$}": true,
	"DELETE /user": true, "DELETE /feed/{id}": true, "PUT /feed/{id}/featured": true, "DELETE /feed/{id}/featured": true,
	"PUT /like/{feedId}": true, "DELETE /like/{feedId}": true, "POST /upload": true, "DELETE /image/{imageId}": true,
	"POST /image/check/{imageId}": true, "POST /video/submit/{taskId}": true, "DELETE /video/upload/{taskId}": true,
	"POST /music/submit/{taskId}": true, "DELETE /music/upload/{taskId}": true, "DELETE /filter/like/{filterId}": true,
	"POST /reward/daily": true, "POST /mail/daily": true, "POST /mail/unsubscribe": true,
	"POST /support/cancel-delete-account": true, "POST /dev/credits": true,
	// River's UI API reads its own bodies, behind HTTP Basic (401 first).
	"POST /admin/river/": true, "PUT /admin/river/": true, "PATCH /admin/river/": true,
}

// hostileBodies go to every JSON-body route; each must be 400.
var hostileBodies = map[string]string{
	"malformed":       `{"imageId": "x"`,
	"not an object":   `"just a string"`,
	"two objects":     `{}{}`,
	"deeply nested":   strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000),
	"deep object":     strings.Repeat(`{"a":`, 20_000) + "1" + strings.Repeat("}", 20_000),
	"invalid utf-8":   "{\"imageId\": \"\xff\xfe\"}",
	"nul in a string": `{"imageId": "a\u0000b", "message": "a\u0000b", "title": "a\u0000b"}`,
	"empty":           ``,
}

// hostileSegments replace one path parameter at a time: traversal, NULs,
// invalid UTF-8, very long ids, odd unicode, bidi controls and emoji.
var hostileSegments = []string{
	"..%2f..%2fetc%2fpasswd", "%2e%2e", "..%5c..%5cwin.ini", "%00", "a%00b", "%ff%fe", strings.Repeat("a", 10_000),
	url.PathEscape("\u202eevil\u202c"), url.PathEscape("\u200b"), url.PathEscape("😀😀"), url.PathEscape("e\u0301\u0301\u0301"),
	url.PathEscape("'; DROP TABLE feeds; --"), url.PathEscape("<script>"), "%25", url.PathEscape("\ufeff" + "x"),
	"gen_..%2f..%2f",
}

// hostileQuery is sent to every GET route.
const hostileQuery = "?page=-1&page=abc&cursor=%00%ff&mediaType=%F0%9F%98%80&category=..%2f&userId=%00" +
	"&limit=1e99&token=%E2%80%AE&password=&lang=%ff"

var paramRE = regexp.MustCompile(`\{([^}$]+)\}`)

// fill puts own's ids into a route's path parameters, one of them (index
// hostile, -1 for none) replaced by seg.
func fill(r httpapi.Route, own victim, hostile int, seg string) string {
	i := -1
	path := paramRE.ReplaceAllStringFunc(r.Pattern, func(m string) string {
		i++
		if i == hostile {
			return seg
		}
		switch name := strings.Trim(m, "{}"); name {
		case "threadId":
			return own.thread
		case "messageId":
			return own.message
		case "userId":
			return own.user.ID
		case "list":
			return "feed"
		case "id", "feedId":
			return own.public
		case "originImageId":
			return own.originImage
		case "imageId", "imageIds":
			return own.image
		case "taskId", "videoIds", "audioIds":
			if strings.HasPrefix(r.Pattern, "/music") {
				return own.audio
			}
			return own.video
		case "filterId":
			return own.filter
		case "key...":
			return own.imageKey
		default:
			return "unknown-param-" + name
		}
	})
	path = strings.ReplaceAll(path, "{$}", "")
	if r.Auth == httpapi.AuthPassword {
		path += "?password=" + testAdminPassword
	}
	return path
}

// idempotent are routes whose contract answers success for any id, known
// or not (nothing to remove is not an error): a hostile id is a no-op there.
var idempotent = map[string][]int{"DELETE /filter/like/{filterId}": {200}}

// unvalidated routes speak outside the contract's validator.
var unvalidated = map[string]bool{"GET /metrics": true, "GET /openapi.yaml": true, "GET /.well-known/jwks.json": true,
	"GET /files/{key...}": true, "GET /connection/websocket": true, " /": true,
	"GET /playground": true, "GET /playground/{path...}": true}

// TestSecurityHostileInput sends every write route an oversize body, every
// JSON route wrong-typed, malformed and deeply nested bodies, every GET
// route odd query values and every path parameter hostile segments, as
// the owner of the ids used: each answers a documented 4xx (2xx for
// ignored query values), never a 500, and neither user's rows change.
func TestSecurityHostileInput(t *testing.T) {
	t.Parallel()
	forEachSecStore(t, func(t *testing.T, e secEnv) {
		a, b := e.member(), e.member()
		va, vb := e.seedVictim(a), e.seedVictim(b)
		beforeA, beforeB := e.settled(va), e.settled(vb)
		check := func(t *testing.T, what string) {
			t.Helper()
			e.unchanged(t, va, beforeA, what)
			e.unchanged(t, vb, beforeB, what)
		}
		oversize := []byte(`{"x":"` + strings.Repeat("a", 1<<20+10) + `"}`)
		for _, r := range e.api.Routes() {
			key := routeKey(r)
			if r.Method == "" || key == "GET /connection/websocket" {
				continue
			}
			write := r.Method != "GET"
			if write && wrongTyped[key] == "" && !bodyless[key] {
				t.Errorf("write route %q is in neither wrongTyped nor bodyless: classify it", key)
				continue
			}
			path := fill(r, vb, -1, "")
			if write && key != "POST /upload" {
				// The limit is the middleware's, before any route: bodyless
				// routes are 413 too, which their contract does not list.
				ctx := apitest.WithBadRequest(context.Background())
				if bodyless[key] {
					ctx = apitest.WithoutValidation(context.Background())
				}
				e.want(t, e.send(ctx, r.Method, path, b.Token, "application/json", oversize), key+" oversize", 413)
			}
			if body := wrongTyped[key]; body != "" {
				e.want(t, e.env.raw(r.Method, path, b.Token, "application/json", []byte(body), true), key+" wrong types", 400)
				for name, hb := range hostileBodies {
					e.want(t, e.env.raw(r.Method, path, b.Token, "application/json", []byte(hb), true), key+" "+name, 400)
				}
			}
			if !write {
				ok := []int{200, 204, 400, 403, 404}
				if r.Auth == httpapi.AuthBasic {
					ok = []int{400, 401} // NUL/bad UTF-8 is refused first, then no operator credentials
				}
				e.wantNo500(t, r, path+strings.Replace(hostileQuery, "?", sepOf(path), 1), b.Token, ok...)
			}
			for i := range paramRE.FindAllStringIndex(strings.ReplaceAll(r.Pattern, "{$}", ""), -1) {
				for _, seg := range hostileSegments {
					e.wantNo500(t, r, fill(r, vb, i, seg), b.Token, append([]int{400, 403, 404}, idempotent[key]...)...)
				}
			}
			check(t, key)
		}
	})
}

func sepOf(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

// want fails unless res has the status.
func (e secEnv) want(t *testing.T, res response, what string, status int) {
	t.Helper()
	if res.Status != status {
		t.Errorf("%s: status %d, want %d; body %.200s", what, res.Status, status, res.Body)
	}
}

// wantNo500 sends a request outside the contract (hostile path or query)
// and fails unless the status is one of ok — never a 5xx, and an error
// body is the JSON {"message"} shape.
func (e secEnv) wantNo500(t *testing.T, r httpapi.Route, path, token string, ok ...int) {
	t.Helper()
	res := e.send(apitest.WithoutValidation(context.Background()), r.Method, path, token, "", nil)
	for _, s := range ok {
		if res.Status == s {
			if s >= 400 && !unvalidated[routeKey(r)] && !strings.HasPrefix(string(res.Body), `{"message":`) {
				t.Errorf("%s %.120s: error body %.200s is not {\"message\"}", r.Method, path, res.Body)
			}
			return
		}
	}
	t.Errorf("%s %.120s: status %d, want one of %v; body %.200s", r.Method, path, res.Status, ok, res.Body)
}
