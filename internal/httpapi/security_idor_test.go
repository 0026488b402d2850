package httpapi_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/kira-art/kira/internal/apitest"
	"github.com/kira-art/kira/internal/httpapi"
)

// idorCase is what B sends to one route with A's ids, and what the
// contract answers (API.md §0: 404 for "not yours" — the caller may not
// learn it exists — 403 where a route says so, 401 on password routes).
type idorCase struct {
	path   string // the request path, A's ids filled in
	body   any    // JSON body (nil: none)
	want   int
	absent []string // A's private ids the response must not mention
	raw    bool     // outside the contract's validator (websocket, signed files)
}

// idorMatrix has one case per route of the route table, keyed "METHOD
// pattern" as Routes lists it. A route missing here fails
// TestSecurityIDORMatrix: add its case (what a stranger gets with the
// owner's ids) when adding the route.
func idorMatrix(v victim) map[string]idorCase {
	pw := "?password=wrong"
	msg := func(id string) map[string]any { return textMessage(id, "user", "hello") }
	hidden := []string{v.hidden}
	private := []string{v.hidden, v.thread, v.video, v.audio, v.originImage}
	m := map[string]idorCase{
		"GET /health":                {path: "/health", want: 200},
		"GET /ready":                 {path: "/ready", want: 200},
		"GET /metrics":               {path: "/metrics", want: 200, raw: true},
		"GET /openapi.yaml":          {path: "/openapi.yaml", want: 200, raw: true},
		"GET /.well-known/jwks.json": {path: "/.well-known/jwks.json", want: 200, raw: true},
		// Development only: anyone may sign in as anyone (the local key's
		// purpose), and a token changes no row; plan and credits are the
		// caller's own, whatever user the body names.
		"POST /dev/token":   {path: "/dev/token", body: map[string]any{"userId": v.user.ID}, want: 200},
		"PUT /dev/plan":     {path: "/dev/plan", body: map[string]any{"plan": "pro", "userId": v.user.ID}, want: 200},
		"POST /dev/credits": {path: "/dev/credits", body: map[string]any{"userId": v.user.ID}, want: 200},

		"POST /thread/{$}":                         {path: "/thread/", body: map[string]any{"id": v.thread, "message": msg("x1")}, want: 409},
		"POST /thread":                             {path: "/thread", body: map[string]any{"id": v.thread, "message": msg("x2")}, want: 409},
		"GET /thread/threads":                      {path: "/thread/threads", want: 200, absent: private},
		"GET /thread/timelines":                    {path: "/thread/timelines", want: 200, absent: private},
		"PATCH /thread/{threadId}":                 {path: "/thread/" + v.thread, body: map[string]any{"title": "mine now"}, want: 404},
		"DELETE /thread/{threadId}":                {path: "/thread/" + v.thread, want: 404},
		"GET /agent/chatMessages/{threadId}":       {path: "/agent/chatMessages/" + v.thread, want: 404},
		"POST /agent/chatMessage/{threadId}":       {path: "/agent/chatMessage/" + v.thread, body: map[string]any{"message": msg(v.message)}, want: 404},
		"GET /agent/rewind/{threadId}/{messageId}": {path: "/agent/rewind/" + v.thread + "/" + v.message, want: 404},
		"GET /version/versions/{threadId}":         {path: "/version/versions/" + v.thread, want: 404},
		"POST /agent/streaming":                    {path: "/agent/streaming", body: map[string]any{"threadId": v.thread, "messages": []any{msg("x3")}}, want: 404},
		"GET /agent/stream/{threadId}":             {path: "/agent/stream/" + v.thread, want: 404},
		"GET /agent/task/{threadId}/status":        {path: "/agent/task/" + v.thread + "/status", want: 404},
		"POST /agent/task/{threadId}/stop":         {path: "/agent/task/" + v.thread + "/stop", want: 404},
		"POST /agent/task": {path: "/agent/task", body: map[string]any{"threadId": v.thread, "messageId": v.message,
			"images": []any{map[string]any{"imageId": v.image}}}, want: 404},

		"GET /user/profile":          {path: "/user/profile", want: 200},
		"PUT /user/profile":          {path: "/user/profile", body: map[string]any{"avatarImageId": v.originImage}, want: 400}, // "no image of yours has this id", as for none
		"GET /user/profile/{userId}": {path: "/user/profile/" + v.user.ID, want: 200},                                          // public
		"GET /user/{userId}/{list}":  {path: "/user/" + v.user.ID + "/feed", want: 200, absent: hidden},
		"GET /user/authBg":           {path: "/user/authBg", want: 200},
		"GET /user/referral-info":    {path: "/user/referral-info", want: 200},
		"DELETE /user/{$}":           {path: "/user/" + pw + "&userId=" + v.user.ID, want: 401},
		"DELETE /user":               {path: "/user" + pw + "&userId=" + v.user.ID, want: 401},

		"POST /publish/{$}":   {path: "/publish/", body: map[string]any{"imageId": v.originImage}, want: 404},
		"POST /publish":       {path: "/publish", body: map[string]any{"imageId": v.originImage}, want: 404},
		"POST /publish/video": {path: "/publish/video", body: map[string]any{"video": map[string]any{"taskId": v.video}}, want: 404},
		"POST /publish/audio": {path: "/publish/audio", body: map[string]any{"audio": map[string]any{"taskId": v.audio}}, want: 404},
		"GET /feed/{$}":       {path: "/feed/", want: 200, absent: hidden},
		"GET /feed":           {path: "/feed", want: 200, absent: hidden},
		"GET /feed/featured":  {path: "/feed/featured", want: 200, absent: hidden},
		"GET /feed/{id}":      {path: "/feed/" + v.hidden, want: 404},
		"DELETE /feed/{id}":   {path: "/feed/" + v.public, want: 403},

		"PUT /feed/{id}/featured":           {path: "/feed/" + v.public + "/featured" + pw, want: 401},
		"DELETE /feed/{id}/featured":        {path: "/feed/" + v.public + "/featured" + pw, want: 401},
		"GET /like/{feedId}":                {path: "/like/" + v.hidden, want: 404},
		"PUT /like/{feedId}":                {path: "/like/" + v.hidden, want: 404},
		"DELETE /like/{feedId}":             {path: "/like/" + v.likedPost, want: 200}, // B's own (absent) like only
		"GET /rewind/check/{originImageId}": {path: "/rewind/check/" + v.originImage, want: 200},
		"GET /rewind/versions/{feedId}":     {path: "/rewind/versions/" + v.hidden, want: 404},
		"GET /rewind/messages/{feedId}":     {path: "/rewind/messages/" + v.hidden, want: 404},

		"GET /files/{key...}":            {path: "/files/" + v.imageKey, want: 403, raw: true}, // unsigned
		"POST /upload":                   {path: "/upload", want: 400},
		"POST /image":                    {path: "/image", body: map[string]any{"imageId": v.originImage}, want: 403}, // image ids are capabilities (GET /image/:id): 403 leaks nothing
		"GET /image/{imageId}":           {path: "/image/" + v.originImage, want: 200},                                // the id is the capability
		"DELETE /image/{imageId}":        {path: "/image/" + v.originImage, want: 403},
		"POST /image/check/{imageId}":    {path: "/image/check/" + v.originImage, want: 200}, // anyone may ask for a CSAM check; a clean image stays
		"GET /images/{imageIds}":         {path: "/images/" + v.originImage, want: 200},
		"POST /download/{$}":             {path: "/download/", body: map[string]any{"imageId": v.originImage}, want: 404},
		"POST /download":                 {path: "/download", body: map[string]any{"imageId": v.originImage}, want: 404},
		"POST /download/video":           {path: "/download/video", body: map[string]any{"taskId": v.video}, want: 404},
		"GET /filter/preset":             {path: "/filter/preset", want: 200},
		"POST /filter/like":              {path: "/filter/like", body: map[string]any{"filterId": v.filter}, want: 200}, // B's own favourite
		"DELETE /filter/like/{filterId}": {path: "/filter/like/" + v.filter, want: 200},                                 // B's own (absent) favourite
		"GET /filter/liked":              {path: "/filter/liked", want: 200},

		"POST /reward/daily":                  {path: "/reward/daily", want: 200},
		"GET /support/hash":                   {path: "/support/hash", want: 200},
		"POST /mail/daily":                    {path: "/mail/daily" + pw, want: 401},
		"POST /mail/account-deletion":         {path: "/mail/account-deletion" + pw, body: map[string]any{"userId": v.user.ID, "stage": "completed"}, want: 401},
		"GET /mail/unsubscribe":               {path: "/mail/unsubscribe?token=" + v.user.ID, want: 400},
		"POST /mail/unsubscribe":              {path: "/mail/unsubscribe?token=" + v.user.ID, want: 400},
		"POST /support/delete-account":        {path: "/support/delete-account", body: map[string]any{}, want: 400},
		"GET /support/deletion-status":        {path: "/support/deletion-status", want: 200},
		"POST /support/cancel-delete-account": {path: "/support/cancel-delete-account", want: 404},
		"GET /op/announcement":                {path: "/op/announcement", want: 200},
		"GET /op/homecards/v2":                {path: "/op/homecards/v2", want: 200},
		"GET /op/trending":                    {path: "/op/trending", want: 200},
		"GET /sitemap/users":                  {path: "/sitemap/users", want: 200},
		"GET /sitemap/feeds":                  {path: "/sitemap/feeds", want: 200, absent: hidden},
		"GET /connection/websocket":           {path: "/connection/websocket", want: 400, raw: true}, // no upgrade
		"GET /realtime/token":                 {path: "/realtime/token", want: 404},                  // embedded realtime: tokens are for an external Centrifugo
		" /":                                  {path: "/nothing/here", want: 404, raw: true},
		"GET /playground":                     {path: "/playground", want: 200, raw: true},
		"GET /playground/{path...}":           {path: "/playground/assets/none.js", want: 404, raw: true},
		// River's UI and API: HTTP Basic with the admin password; a JWT opens nothing.
		"GET /admin/river/":   {path: "/admin/river/api/jobs?state=completed", want: 401, raw: true},
		"POST /admin/river/":  {path: "/admin/river/api/jobs/retry", body: map[string]any{"ids": []string{"1"}}, want: 401, raw: true},
		"PUT /admin/river/":   {path: "/admin/river/api/queues/default/pause", want: 401, raw: true},
		"PATCH /admin/river/": {path: "/admin/river/api/queues/default", body: map[string]any{}, want: 401, raw: true},
	}
	for _, k := range []struct{ prefix, task, ids, upload string }{
		{"/video", v.video, "videoIds", v.videoUpload}, {"/music", v.audio, "audioIds", v.audioUpload}} {
		m["GET "+k.prefix+"/task/{taskId}"] = idorCase{path: k.prefix + "/task/" + k.task, want: 404}
		m["GET "+k.prefix+"/info/{"+k.ids+"}"] = idorCase{path: k.prefix + "/info/" + k.task, want: 200, absent: []string{k.task}}
		m["POST "+k.prefix+"/submit/{taskId}"] = idorCase{path: k.prefix + "/submit/" + k.task, want: 404}
		m["POST "+k.prefix+"/initialize"] = idorCase{path: k.prefix + "/initialize", body: map[string]any{"threadId": v.thread,
			"fileId": k.upload, "sourceImageId": v.originImage}, want: 404}
		m["DELETE "+k.prefix+"/upload/{taskId}"] = idorCase{path: k.prefix + "/upload/" + k.task, want: 404}
	}
	return m
}

func routeKey(r httpapi.Route) string { return r.Method + " " + r.Pattern }

// TestSecurityIDORMatrix walks every route of the route table as B with
// A's ids: each answers its documented status, never a 500, mentions none
// of A's private ids and leaves A's rows as they were.
func TestSecurityIDORMatrix(t *testing.T) {
	t.Parallel()
	forEachSecStore(t, func(t *testing.T, e secEnv) {
		a, b := e.member(), e.member()
		v := e.seedVictim(a)
		matrix := idorMatrix(v)
		before := e.settled(v)
		routes := e.api.Routes()
		if len(routes) < 50 {
			t.Fatalf("route table has %d routes; Handler records them", len(routes))
		}
		for _, r := range routes {
			c, ok := matrix[routeKey(r)]
			if !ok {
				t.Errorf("route %q has no IDOR case: add one to idorMatrix", routeKey(r))
				continue
			}
			method := r.Method
			if method == "" {
				method = "GET"
			}
			var res response
			switch {
			case c.raw:
				res = e.sendUnchecked(method, c.path, b.Token, c.body)
			case c.want >= 400:
				res = e.bad(method, c.path, b.Token, c.body)
			default:
				res = e.do(method, c.path, b.Token, c.body)
			}
			if res.Status != c.want {
				t.Errorf("%s %s as a stranger: status %d, want %d; body %.300s", method, c.path, res.Status, c.want, res.Body)
			}
			for _, id := range c.absent {
				if id != "" && strings.Contains(string(res.Body), id) {
					t.Errorf("%s %s as a stranger leaks %s", method, c.path, id)
				}
			}
			e.unchanged(t, v, before, method+" "+c.path)
		}
		// A's data is still A's: the owner reads what B could not.
		expect(t, e.do("GET", "/agent/chatMessages/"+v.thread, a.Token, nil), 200)
		expect(t, e.do("GET", "/feed/"+v.hidden, a.Token, nil), 200)
		expect(t, e.do("GET", "/video/task/"+v.video, a.Token, nil), 200)
		// The snapshot sees a change (else the checks above prove nothing).
		e.like("DELETE", v.public, a.Token, 200)
		if reflect.DeepEqual(e.snapshot(v), before) {
			t.Fatal("the snapshot missed the owner's own unlike")
		}
	})
}

// sendUnchecked sends a request the contract's validator cannot describe.
func (e *env) sendUnchecked(method, path, token string, body any) response {
	e.t.Helper()
	var raw []byte
	ct := ""
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
		ct = "application/json"
	}
	return e.send(apitest.WithoutValidation(context.Background()), method, path, token, ct, raw)
}

// TestSecurityRouteAuth checks the table's auth column against behaviour:
// without a token every required-auth route and every password route is
// 401 {"message":"Unauthorized"} (password routes even with a valid JWT),
// and no optional or public route asks for one.
func TestSecurityRouteAuth(t *testing.T) {
	t.Parallel()
	forEachSecStore(t, func(t *testing.T, e secEnv) {
		a := e.member()
		v := e.seedVictim(a)
		matrix := idorMatrix(v)
		before := e.settled(v)
		for _, r := range e.api.Routes() {
			c, ok := matrix[routeKey(r)]
			if !ok || r.Method == "" || r.Pattern == "/connection/websocket" {
				continue // TestSecurityIDORMatrix reports missing cases
			}
			token := ""
			if r.Auth == httpapi.AuthPassword || r.Auth == httpapi.AuthBasic {
				token = a.Token // a user's JWT opens no operator route
			}
			res := e.sendUnchecked(r.Method, c.path, token, c.body)
			unauthorized := res.Status == 401 && strings.TrimSpace(string(res.Body)) == `{"message":"Unauthorized"}`
			switch r.Auth {
			case httpapi.AuthRequired, httpapi.AuthPassword, httpapi.AuthBasic:
				if !unauthorized {
					t.Errorf("%s (%s) without credentials: %d %.200s, want 401 Unauthorized", routeKey(r), r.Auth, res.Status, res.Body)
				}
			default:
				if res.Status == 401 || res.Status >= 500 {
					t.Errorf("%s (%s) anonymously: %d %.200s", routeKey(r), r.Auth, res.Status, res.Body)
				}
			}
		}
		e.unchanged(t, v, before, "anonymous calls")
	})
}
