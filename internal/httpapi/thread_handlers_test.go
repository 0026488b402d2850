package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
)

func TestThreadCreateWithAndWithoutSlash(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		id := uuid.NewString()
		var out map[string]any
		expect(t, e.do("POST", "/thread", u.Token, map[string]any{"id": id,
			"message": textMessage("m1", "user", "A watercolor fox   sleeping under a huge red maple tree at dawn")}), 200).json(t, &out)
		if out["id"] != id || out["resourceId"] != u.ID || out["title"] != "A watercolor fox sleeping under a huge red" || out["thumbImageUrl"] != nil {
			t.Fatalf("create answer %v", out)
		}
		expectError(t, e.do("POST", "/thread/", u.Token, map[string]any{"id": id, "message": textMessage("m1", "user", "again")}), 409, "exists")
		msgs, err := e.store.ListMessages(context.Background(), id)
		if err != nil || len(msgs) != 1 || msgs[0].ID != "m1" {
			t.Fatalf("first message not stored once: %v %v", msgs, err)
		}
	})
}

func TestThreadCreateBadInput(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		v4 := map[string]any{"id": "m1", "role": "user", "content": "hello"}
		cases := []struct {
			body any
			want string
		}{
			{map[string]any{}, "message"},
			{map[string]any{"message": "hi"}, "message"},
			{map[string]any{"message": v4}, "v4"},
			{map[string]any{"message": textMessage("m1", "assistant", "hi")}, "role"},
			{map[string]any{"message": textMessage("bad id!", "user", "hi")}, "id"},
			{map[string]any{"message": map[string]any{"id": "m1", "role": "user", "parts": []any{}}}, "parts"},
			{map[string]any{"message": map[string]any{"id": "m1", "role": "user", "parts": []any{map[string]any{"type": "text"}}}}, "parts[0].text"},
			{map[string]any{"id": "nope", "message": textMessage("m1", "user", "hi")}, "id"},
			{map[string]any{"id": 12, "message": textMessage("m1", "user", "hi")}, "id"},
		}
		for _, c := range cases {
			expectError(t, e.bad("POST", "/thread/", u.Token, c.body), 400, c.want)
		}
		var list struct{ Threads []any }
		expect(t, e.do("GET", "/thread/threads", u.Token, nil), 200).json(t, &list)
		if len(list.Threads) != 0 {
			t.Fatalf("bad input created %d threads", len(list.Threads))
		}
	})
}

func TestThreadListPaging(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u, other := e.newUser(), e.newUser()
		e.newThread(other, "not mine")
		created := map[string]bool{}
		for i := range 23 {
			created[e.newThread(u, fmt.Sprint("thread ", i))] = true
		}
		type page struct {
			Threads []struct {
				ID        string
				CreatedAt string
			}
			HasMore    bool
			NextCursor string
		}
		var p1, p2 page
		expect(t, e.do("GET", "/thread/threads", u.Token, nil), 200).json(t, &p1)
		if len(p1.Threads) != 20 || !p1.HasMore || p1.NextCursor == "" {
			t.Fatalf("first page: %d threads hasMore=%v", len(p1.Threads), p1.HasMore)
		}
		expect(t, e.do("GET", "/thread/threads?cursor="+p1.NextCursor, u.Token, nil), 200).json(t, &p2)
		if len(p2.Threads) != 3 || p2.HasMore || p2.NextCursor != "" {
			t.Fatalf("second page: %d threads hasMore=%v", len(p2.Threads), p2.HasMore)
		}
		seen := map[string]bool{}
		for _, th := range append(p1.Threads, p2.Threads...) {
			if !created[th.ID] || seen[th.ID] {
				t.Fatalf("thread %s listed wrongly (foreign or twice)", th.ID)
			}
			seen[th.ID] = true
		}
		for _, garbage := range []string{"garbage", "bm90LWEtY3Vyc29y", "%00%01"} {
			expectError(t, e.bad("GET", "/thread/threads?cursor="+garbage, u.Token, nil), 400, "cursor")
		}
	})
}

func TestThreadRenameAndDeleteOwnership(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u, mallory := e.newUser(), e.newUser()
		id := e.newThread(u, "my cats")
		path := "/thread/" + id
		expectError(t, e.do("PATCH", path, mallory.Token, map[string]any{"title": "pwned"}), 404, "not found")
		expectError(t, e.do("DELETE", path, mallory.Token, nil), 404, "not found")
		expectError(t, e.bad("PATCH", path, u.Token, map[string]any{"title": ""}), 400, "title")
		expectError(t, e.bad("PATCH", path, u.Token, map[string]any{"title": stringOf('t', 101)}), 400, "title")
		expectError(t, e.bad("PATCH", path, u.Token, map[string]any{"title": 3}), 400, "title")
		expectError(t, e.bad("PATCH", "/thread/not-a-uuid", u.Token, map[string]any{"title": "x"}), 400, "threadId")
		expectError(t, e.do("PATCH", "/thread/"+uuid.NewString(), u.Token, map[string]any{"title": "x"}), 404, "not found")
		th, err := e.store.GetThread(context.Background(), u.ID, id)
		if err != nil || th.TitleSource == "user" || !strings.EqualFold(th.Title, "my cats") {
			// provisional "my cats", or the title job's "My cats": never a rename's
			t.Fatalf("foreign or bad rename changed the thread: %+v %v", th, err)
		}
		var renamed map[string]any
		expect(t, e.do("PATCH", path, u.Token, map[string]any{"title": "Cats, renamed"}), 200).json(t, &renamed)
		if renamed["title"] != "Cats, renamed" || renamed["resourceId"] != u.ID {
			t.Fatalf("rename answer %v", renamed)
		}
		expect(t, e.do("DELETE", path, u.Token, nil), 200)
		if _, err := e.store.GetThread(context.Background(), u.ID, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("thread still there: %v", err)
		}
		expect(t, e.do("DELETE", path, u.Token, nil), 404)
	})
}
