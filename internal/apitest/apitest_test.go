package apitest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	validator "github.com/pb33f/libopenapi-validator"
)

// recorder is a testing.TB that captures Errorf calls instead of failing, so
// tests can assert that the validator reports a violation.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	msgs []string
}

func newRecorder(t *testing.T) *recorder { return &recorder{TB: t} }

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *recorder) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }

func (r *recorder) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

// expectClean fails t when rec captured a violation.
func expectClean(t *testing.T, rec *recorder) {
	t.Helper()
	for _, m := range rec.errors() {
		t.Errorf("unexpected violation: %s", m)
	}
}

// expectViolation fails t unless rec captured a violation mentioning every
// fragment.
func expectViolation(t *testing.T, rec *recorder, fragments ...string) {
	t.Helper()
	msgs := rec.errors()
	if len(msgs) == 0 {
		t.Fatalf("expected a violation mentioning %q, got none", fragments)
	}
	all := strings.Join(msgs, "\n")
	t.Logf("captured: %s", all)
	for _, f := range fragments {
		if !strings.Contains(all, f) {
			t.Errorf("violation does not mention %q:\n%s", f, all)
		}
	}
}

const (
	userID   = "6f1c1b7e-2a4d-4c1e-9b7a-0d2f3e4a5b6c"
	threadID = "0b8e3c2a-1d4f-4e5a-8b9c-7d6e5f4a3b2c"
)

func goodProfile() map[string]any {
	return map[string]any{
		"id":                 userID,
		"nickname":           "kira",
		"avatarUrl":          nil,
		"email":              "kira@example.com",
		"plan":               "free",
		"credit":             30,
		"addonCredits":       0,
		"language":           "en",
		"watermark":          false,
		"isOpenNotification": true,
		"lastCreditIssuedAt": "2026-11-27T05:31:56.123Z",
	}
}

// fakeServer answers every request with status and body (JSON unless body
// is a string), and records the last request headers it saw.
type fakeServer struct {
	*httptest.Server
	mu      sync.Mutex
	status  int
	body    any
	lastHdr http.Header
}

func newFake(t *testing.T) *fakeServer {
	f := &fakeServer{status: http.StatusOK}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		f.mu.Lock()
		f.lastHdr = r.Header.Clone()
		status, body := f.status, f.body
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if s, ok := body.(string); ok {
			_, _ = io.WriteString(w, s)
			return
		}
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) reply(status int, body any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.body = status, body
}

func (f *fakeServer) header(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastHdr.Get(name)
}

func do(t *testing.T, c *http.Client, ctx context.Context, method, url, body string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestSpecParsesAndIsValidOpenAPI31(t *testing.T) {
	c, err := load()
	if err != nil {
		t.Fatal(err)
	}
	if v := c.model.Version; !strings.HasPrefix(v, "3.1") {
		t.Fatalf("openapi version = %q, want 3.1.x", v)
	}
	dv, verrs := validator.NewValidator(c.document)
	if verrs != nil {
		t.Fatal(verrs)
	}
	ok, errs := dv.ValidateDocument()
	if !ok {
		t.Fatalf("api/openapi.yaml is not a valid OpenAPI document:%s", formatErrors("document", errs))
	}
	if New(t) == nil {
		t.Fatal("New returned nil")
	}
}

func TestGoodProfilePasses(t *testing.T) {
	f := newFake(t)
	rec := newRecorder(t)
	c := New(t).Client(rec)

	f.reply(200, goodProfile())
	resp, body := do(t, c, context.Background(), "GET", f.URL+"/user/profile", "")
	expectClean(t, rec)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// The body stays readable by the caller after validation.
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil || got["nickname"] != "kira" {
		t.Fatalf("body not readable after validation: %q (%v)", body, err)
	}

	// OpenAPI 3.1 nullable (type: [string, "null"]) accepts a string too.
	p := goodProfile()
	p["avatarUrl"] = "https://cdn.example/a.png"
	p["lastCreditIssuedAt"] = nil
	f.reply(200, p)
	do(t, c, context.Background(), "GET", f.URL+"/user/profile", "")
	expectClean(t, rec)

	// A documented error status with an Error body passes.
	f.reply(401, map[string]any{"message": "Unauthorized"})
	do(t, c, context.Background(), "GET", f.URL+"/user/profile", "")
	expectClean(t, rec)
}

func TestResponseViolationsFail(t *testing.T) {
	cases := []struct {
		name      string
		status    int
		body      func() any
		fragments []string
	}{
		{"wrong field type", 200, func() any {
			p := goodProfile()
			p["credit"] = "30"
			return p
		}, []string{"GET /user/profile → 200", "credit"}},
		{"null where not nullable", 200, func() any {
			p := goodProfile()
			p["nickname"] = nil
			return p
		}, []string{"nickname"}},
		{"wrong type in nullable field", 200, func() any {
			p := goodProfile()
			p["avatarUrl"] = 5
			return p
		}, []string{"avatarUrl"}},
		{"missing required field", 200, func() any {
			p := goodProfile()
			delete(p, "plan")
			return p
		}, []string{"plan"}},
		{"unknown field", 200, func() any {
			p := goodProfile()
			p["avatarURL"] = "x"
			return p
		}, []string{"avatarURL"}},
		{"bad enum", 200, func() any {
			p := goodProfile()
			p["plan"] = "gold"
			return p
		}, []string{"plan"}},
		{"bad date-time", 200, func() any {
			p := goodProfile()
			p["lastCreditIssuedAt"] = "yesterday"
			return p
		}, []string{"lastCreditIssuedAt"}},
		{"bad uuid", 200, func() any {
			p := goodProfile()
			p["id"] = "42"
			return p
		}, []string{"id"}},
		{"undocumented status", 404, func() any {
			return map[string]any{"message": "not found"}
		}, []string{"GET /user/profile → 404", "404"}},
		{"error body without message", 401, func() any {
			return map[string]any{"error": "nope"}
		}, []string{"message"}},
		{"not JSON", 200, func() any { return "<html>oops</html>" }, []string{"GET /user/profile → 200"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			rec := newRecorder(t)
			f.reply(tc.status, tc.body())
			do(t, New(t).Client(rec), context.Background(), "GET", f.URL+"/user/profile", "")
			expectViolation(t, rec, tc.fragments...)
		})
	}
}

func TestFeedMediaTypeRules(t *testing.T) {
	f := newFake(t)
	c := New(t)
	feed := func(mediaType any, withImage bool) map[string]any {
		m := map[string]any{
			"id":            "11111111-2222-4333-8444-555555555555",
			"mediaType":     mediaType,
			"owner":         map[string]any{"id": userID, "nickname": "k", "avatarUrl": nil, "plan": "pro"},
			"originImageId": nil,
			"prompt":        "a cat",
			"likedNumber":   3,
			"isLiked":       false,
			"createdAt":     "2026-11-27T05:31:56.123Z",
		}
		if withImage {
			m["image"] = map[string]any{"imageId": "gen_" + threadID, "url": "https://cdn/x.png"}
		}
		return m
	}
	url := f.URL + "/feed/11111111-2222-4333-8444-555555555555"

	rec := newRecorder(t)
	f.reply(200, feed(nil, true))
	do(t, c.Client(rec), context.Background(), "GET", url, "")
	expectClean(t, rec)

	rec = newRecorder(t)
	f.reply(200, feed(nil, false)) // image post without image
	do(t, c.Client(rec), context.Background(), "GET", url, "")
	expectViolation(t, rec, "image")

	rec = newRecorder(t)
	f.reply(200, feed("image", true)) // mediaType must be null for images
	do(t, c.Client(rec), context.Background(), "GET", url, "")
	expectViolation(t, rec, "mediaType")

	// GET /feed/ is the list, not /feed/{id}.
	rec = newRecorder(t)
	f.reply(200, map[string]any{"feeds": []any{feed(nil, true)}, "hasMore": false})
	do(t, c.Client(rec), context.Background(), "GET", f.URL+"/feed/?page=1&mediaType=image", "")
	expectClean(t, rec)
}

func TestRequestValidation(t *testing.T) {
	f := newFake(t)
	v := New(t)
	okResp := map[string]any{"id": userID, "nickname": "kira", "avatarUrl": nil, "plan": "free"}
	badReq := map[string]any{"message": "nickname: must be 1-32 characters"}
	tooLong := `{"nickname":"` + strings.Repeat("x", 33) + `"}`

	t.Run("valid body passes", func(t *testing.T) {
		rec := newRecorder(t)
		f.reply(200, okResp)
		do(t, v.Client(rec), context.Background(), "PUT", f.URL+"/user/profile", `{"nickname":"neo","avatarImageId":null,"unknownField":1}`)
		expectClean(t, rec)
	})
	t.Run("bad body fails", func(t *testing.T) {
		rec := newRecorder(t)
		f.reply(400, badReq)
		do(t, v.Client(rec), context.Background(), "PUT", f.URL+"/user/profile", tooLong)
		expectViolation(t, rec, "PUT /user/profile → 400", "request", "nickname")
	})
	t.Run("wrong type fails", func(t *testing.T) {
		rec := newRecorder(t)
		f.reply(400, badReq)
		do(t, v.Client(rec), context.Background(), "PUT", f.URL+"/user/profile", `{"watermark":"yes"}`)
		expectViolation(t, rec, "watermark")
	})
	t.Run("bad body marked with context passes", func(t *testing.T) {
		rec := newRecorder(t)
		f.reply(400, badReq)
		do(t, v.Client(rec), WithBadRequest(context.Background()), "PUT", f.URL+"/user/profile", tooLong)
		expectClean(t, rec)
	})
	t.Run("bad body marked with header passes and header is stripped", func(t *testing.T) {
		rec := newRecorder(t)
		f.reply(400, badReq)
		req, _ := http.NewRequest("PUT", f.URL+"/user/profile", strings.NewReader(tooLong))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(BadRequestHeader, "1")
		resp, err := v.Client(rec).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		expectClean(t, rec)
		if got := f.header(BadRequestHeader); got != "" {
			t.Errorf("server saw %s: %q", BadRequestHeader, got)
		}
		if req.Header.Get(BadRequestHeader) == "" {
			t.Errorf("caller's request was modified")
		}
	})
	t.Run("marked bad request still validates the response", func(t *testing.T) {
		rec := newRecorder(t)
		f.reply(418, badReq)
		do(t, v.Client(rec), WithBadRequest(context.Background()), "PUT", f.URL+"/user/profile", tooLong)
		expectViolation(t, rec, "418")
	})
	t.Run("bad path parameter fails", func(t *testing.T) {
		rec := newRecorder(t)
		f.reply(404, map[string]any{"message": "not found"})
		do(t, v.Client(rec), context.Background(), "DELETE", f.URL+"/thread/not-a-uuid", "")
		expectViolation(t, rec, "threadId")
	})
	t.Run("bad path parameter marked bad passes", func(t *testing.T) {
		rec := newRecorder(t)
		f.reply(404, map[string]any{"message": "not found"})
		do(t, v.Client(rec), WithBadRequest(context.Background()), "DELETE", f.URL+"/thread/not-a-uuid", "")
		expectClean(t, rec)
	})
	t.Run("too many ids fails", func(t *testing.T) {
		rec := newRecorder(t)
		f.reply(400, map[string]any{"message": "at most 100 ids"})
		ids := strings.TrimSuffix(strings.Repeat(threadID+",", 101), ",")
		do(t, v.Client(rec), context.Background(), "GET", f.URL+"/video/info/"+ids, "")
		expectViolation(t, rec, "videoIds")
	})
	t.Run("JSON body without content type fails", func(t *testing.T) {
		rec := newRecorder(t)
		f.reply(200, okResp)
		req, _ := http.NewRequest("PUT", f.URL+"/user/profile", strings.NewReader(`{"nickname":"neo"}`))
		resp, err := v.Client(rec).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		expectViolation(t, rec, "content type")
	})
	t.Run("body the server sees is intact", func(t *testing.T) {
		var got []byte
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, _ = io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(okResp)
		}))
		defer srv.Close()
		rec := newRecorder(t)
		body := `{"nickname":"neo"}`
		do(t, v.Client(rec), context.Background(), "PUT", srv.URL+"/user/profile", body)
		expectClean(t, rec)
		if string(got) != body {
			t.Errorf("server got %q, want %q", got, body)
		}
	})
}

func TestPathsAndMethods(t *testing.T) {
	f := newFake(t)
	v := New(t)

	rec := newRecorder(t)
	f.reply(404, map[string]any{"message": "not found"})
	do(t, v.Client(rec), context.Background(), "GET", f.URL+"/no/such/route", "")
	expectViolation(t, rec, "/no/such/route", "not found")

	rec = newRecorder(t)
	do(t, v.Client(rec), WithBadRequest(context.Background()), "GET", f.URL+"/no/such/route", "")
	expectViolation(t, rec, "/no/such/route")

	rec = newRecorder(t)
	f.reply(405, map[string]any{"message": "method not allowed"})
	do(t, v.Client(rec), context.Background(), "PUT", f.URL+"/health", "")
	expectViolation(t, rec, "PUT /health")

	rec = newRecorder(t)
	do(t, v.Client(rec), WithoutValidation(context.Background()), "GET", f.URL+"/no/such/route", "")
	expectClean(t, rec)

	// Trailing-slash routes match with and without the slash.
	created := map[string]any{"id": threadID, "resourceId": userID, "title": "hi", "thumbImageUrl": nil}
	msg := `{"message":{"id":"aB3_x-9","role":"user","parts":[{"type":"text","text":"hi"}]}}`
	for _, p := range []string{"/thread/", "/thread"} {
		rec = newRecorder(t)
		f.reply(200, created)
		do(t, v.Client(rec), context.Background(), "POST", f.URL+p, msg)
		expectClean(t, rec)
	}

	// Any host is accepted.
	rec = newRecorder(t)
	f.reply(200, map[string]any{"status": "ok"})
	req := httptest.NewRequest("GET", "https://api.kira.art/health", nil)
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}}
	v.Check(rec, req, nil, resp, []byte(`{"status":"ok"}`))
	expectClean(t, rec)
}

func TestCheckWithRecorder(t *testing.T) {
	v := New(t)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("broken") != "" {
			_, _ = io.WriteString(w, `{"status":"fine"}`)
			return
		}
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})

	rec := newRecorder(t)
	req := httptest.NewRequest("GET", "/health", nil)
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, req)
	v.Check(rec, req, nil, w.Result(), w.Body.Bytes())
	expectClean(t, rec)

	rec = newRecorder(t)
	req = httptest.NewRequest("GET", "/health?broken=1", nil)
	w = httptest.NewRecorder()
	handler.ServeHTTP(w, req)
	resp := w.Result()
	v.Check(rec, req, nil, resp, nil) // nil body: read from resp.Body
	expectViolation(t, rec, "GET /health?broken=1 → 200", "status")
	if b, _ := io.ReadAll(resp.Body); string(b) != `{"status":"fine"}` {
		t.Errorf("resp.Body not restored: %q", b)
	}

	// Request body given explicitly.
	body := []byte(`{"title":""}`)
	req = httptest.NewRequest("PATCH", "/thread/"+threadID, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	errResp := &http.Response{StatusCode: 400, Header: http.Header{"Content-Type": {"application/json"}}}
	rec = newRecorder(t)
	v.Check(rec, req, body, errResp, []byte(`{"message":"title: 1-100 characters"}`))
	expectViolation(t, rec, "title")
	rec = newRecorder(t)
	v.Check(rec, req.WithContext(WithBadRequest(req.Context())), body, errResp, []byte(`{"message":"title: 1-100 characters"}`))
	expectClean(t, rec)
}

func TestSSE(t *testing.T) {
	release := make(chan struct{})
	var withHeader bool
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		h := withHeader
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		if h {
			w.Header().Set("x-vercel-ai-ui-message-stream", "v1")
		}
		w.WriteHeader(200)
		_, _ = io.WriteString(w, "data: {\"type\":\"start\",\"messageId\":\"m1\"}\n\n")
		w.(http.Flusher).Flush()
		select { // a long-lived stream: only ends when the test says so
		case <-release:
		case <-r.Context().Done():
		}
		_, _ = io.WriteString(w, "data: [DONE]\n\n")
	}))
	defer srv.Close()
	v := New(t)
	body := `{"threadId":"` + threadID + `","messages":[{"id":"u1","role":"user","parts":[{"type":"text","text":"draw a cat"}]}]}`

	mu.Lock()
	withHeader = true
	mu.Unlock()
	rec := newRecorder(t)
	req, _ := http.NewRequest("POST", srv.URL+"/agent/streaming", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	done := make(chan struct{})
	var first string
	go func() {
		defer close(done)
		resp, err := v.Client(rec).Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		defer resp.Body.Close()
		first, _ = bufio.NewReader(resp.Body).ReadString('\n')
	}()
	select {
	case <-done: // the response arrived while the stream is still open: not buffered
	case <-time.After(5 * time.Second):
		t.Fatal("SSE response was buffered by the transport")
	}
	close(release)
	expectClean(t, rec)
	if !strings.HasPrefix(first, "data: {\"type\":\"start\"") {
		t.Errorf("first SSE line = %q", first)
	}

	// A missing required stream header is reported.
	mu.Lock()
	withHeader = false
	mu.Unlock()
	rec = newRecorder(t)
	resp, _ := do(t, v.Client(rec), context.Background(), "POST", srv.URL+"/agent/streaming", body)
	_ = resp
	expectViolation(t, rec, "x-vercel-ai-ui-message-stream")

	// SSE on an operation that does not declare it is reported.
	mu.Lock()
	withHeader = true
	mu.Unlock()
	rec = newRecorder(t)
	do(t, v.Client(rec), context.Background(), "GET", srv.URL+"/health", "")
	expectViolation(t, rec, "GET /health → 200")
}

func TestReconnect204AndHead(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			w.Header().Set("Content-Type", "application/json")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	v := New(t)
	rec := newRecorder(t)
	do(t, v.Client(rec), context.Background(), "GET", srv.URL+"/agent/stream/"+threadID, "")
	expectClean(t, rec)

	rec = newRecorder(t)
	do(t, v.Client(rec), context.Background(), "HEAD", srv.URL+"/health", "")
	expectClean(t, rec)
}

func TestConcurrentUse(t *testing.T) {
	f := newFake(t)
	f.reply(200, goodProfile())
	v := New(t)
	rec := newRecorder(t)
	c := v.Client(rec)
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", f.URL+"/user/profile", nil)
			resp, err := c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
	wg.Wait()
	expectClean(t, rec)
}

func TestCORSPreflightIsNotChecked(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	rec := newRecorder(t)
	req, _ := http.NewRequest("OPTIONS", srv.URL+"/user/profile", nil)
	req.Header.Set("Origin", "https://kira.art")
	req.Header.Set("Access-Control-Request-Method", "PUT")
	resp, err := New(t).Client(rec).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	expectClean(t, rec)
}
