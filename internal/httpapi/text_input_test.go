package httpapi_test

import (
	"context"
	"strings"
	"testing"
)

// badText is how each kind of bad string is written: in JSON (an escape or
// a raw byte) and percent-encoded in a URL.
var badText = []struct{ name, json, url string }{
	{"NUL", `\u0000`, "%00"},
	{"invalid UTF-8", "\xff", "%FF"},
}

// TestBadTextRefused: NUL and invalid UTF-8 in any string answer 400
// naming the field, identically on SQLite (which would store them) and
// Postgres (which would fail with a 500), and nothing is written.
func TestBadTextRefused(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.newUser()
		id := e.newThread(u, "hello")
		before := e.do("GET", "/user/profile", u.Token, nil).Body
		for _, b := range badText {
			t.Run(b.name, func(t *testing.T) {
				msg := func(mid string) string {
					return `{"message":{"id":"` + mid + `","role":"user","parts":[{"type":"text","text":"a` + b.json + `b"}]}}`
				}
				for _, c := range []struct{ method, path, body, field string }{
					{"PUT", "/user/profile", `{"nickname":"a` + b.json + `b"}`, "nickname"},
					{"POST", "/thread/", msg("m1"), "message.parts[0].text"},
					{"PATCH", "/thread/" + id, `{"title":"t` + b.json + `"}`, "title"},
					{"POST", "/agent/chatMessage/" + id, msg("m2"), "message.parts[0].text"},
					{"POST", "/agent/chatMessage/" + id, `{"message":{"id":"m3","role":"assistant","parts":[{"type":"tool-generateImage","toolCallId":"c","state":"input-available","input":{"prompt":"` + b.json + `"}}]}}`, "message.parts[0].input.prompt"},
					{"POST", "/agent/streaming", `{"threadId":"` + id + `","messages":[{"id":"m4","role":"user","parts":[{"type":"text","text":"` + b.json + `"}]}]}`, "messages[0].parts[0].text"},
					{"POST", "/filter/like", `{"filterId":"f` + b.json + `"}`, "filterId"},
					{"DELETE", "/filter/like/f" + b.url, "", "filterId"},
					{"GET", "/agent/chatMessages/" + b.url, "", "threadId"},
					{"GET", "/filter/preset?category=c" + b.url, "", "category"},
					{"GET", "/thread/threads?cursor=" + b.url, "", "cursor"},
				} {
					var body any
					if c.body != "" {
						body = c.body
					}
					r := e.bad(c.method, c.path, u.Token, body)
					expectError(t, r, 400, c.field)
					if !strings.Contains(string(r.Body), "NUL") && !strings.Contains(string(r.Body), "UTF-8") {
						t.Fatalf("%s %s: message does not say what is wrong: %s", c.method, c.path, r.Body)
					}
				}
			})
		}
		if after := e.do("GET", "/user/profile", u.Token, nil).Body; string(after) != string(before) {
			t.Fatalf("profile changed: %s -> %s", before, after)
		}
		threads, err := e.store.ListMessages(ctx, id)
		if err != nil || len(threads) != 1 {
			t.Fatalf("messages written: %d %v", len(threads), err)
		}
		var list struct{ Threads []struct{ ID, Title string } }
		expect(t, e.do("GET", "/thread/threads", u.Token, nil), 200).json(t, &list)
		if len(list.Threads) != 1 || strings.ContainsAny(list.Threads[0].Title, "\x00\ufffd") {
			t.Fatalf("threads written or renamed: %+v", list.Threads)
		}
		expect(t, e.do("GET", "/filter/liked", u.Token, nil), 200)
	})
}
