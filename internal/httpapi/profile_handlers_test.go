package httpapi_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
)

func TestProfileLazySignupAndUpdate(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		var p map[string]any
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200).json(t, &p)
		if p["id"] != u.ID || p["plan"] != "free" || p["credit"] != float64(30) || p["lastCreditIssuedAt"] == nil {
			t.Fatalf("new profile %v", p)
		}
		var upd map[string]any
		expect(t, e.do("PUT", "/user/profile", u.Token, map[string]any{"nickname": " Trinity ", "language": "zh-cn", "watermark": true}), 200).json(t, &upd)
		if upd["nickname"] != "Trinity" || upd["id"] != u.ID || upd["plan"] != "free" {
			t.Fatalf("update answer %v", upd)
		}
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200).json(t, &p)
		if p["language"] != "zh-CN" || p["watermark"] != true || p["isOpenNotification"] != true {
			t.Fatalf("after update %v", p)
		}
	})
}

func TestProfileBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u, other := e.newUser(), e.newUser()
		expect(t, e.do("GET", "/user/profile", other.Token, nil), 200)
		foreign := "insert_" + uuid.NewString()
		if _, err := e.store.CreateFile(context.Background(), store.File{ID: foreign, UserID: other.ID, Kind: "image",
			Origin: "insert", ContentType: "image/png", StorageKey: "images/x.png"}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			body   string
			status int
			want   string
		}{
			{`{"nickname": 5}`, 400, "nickname"},
			{`{"watermark": "yes"}`, 400, "watermark"},
			{`{"nickname": ""}`, 400, "nickname"},
			{`{"nickname": "` + stringOf('x', 33) + `"}`, 400, "nickname"},
			{`{"language": "klingon"}`, 400, "language"},
			{`{"avatarImageId": 7}`, 400, "avatarImageId"},
			{`{"avatarImageId": "` + foreign + `"}`, 400, "avatarImageId"},
			{`{"nickname": "ok"`, 400, "malformed"},
			{`[1,2]`, 400, "object"},
			{``, 400, "required"},
		}
		for _, c := range cases {
			expectError(t, e.bad("PUT", "/user/profile", u.Token, c.body), c.status, c.want)
		}
		var p map[string]any
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200).json(t, &p)
		if p["avatarUrl"] != nil || p["watermark"] != false || p["language"] != "en" {
			t.Fatalf("bad input changed the profile: %v", p)
		}
	})
}

func TestProfileAvatarOwnImage(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200)
		id := "insert_" + uuid.NewString()
		if _, err := e.store.CreateFile(context.Background(), store.File{ID: id, UserID: u.ID, Kind: "image",
			Origin: "insert", ContentType: "image/png", StorageKey: "images/a.png", ThumbKey: "images/a.thumb.webp"}); err != nil {
			t.Fatal(err)
		}
		var upd map[string]any
		expect(t, e.do("PUT", "/user/profile", u.Token, map[string]any{"avatarImageId": id}), 200).json(t, &upd)
		if url, _ := upd["avatarUrl"].(string); url == "" {
			t.Fatalf("avatarUrl missing: %v", upd)
		}
		expect(t, e.do("PUT", "/user/profile", u.Token, map[string]any{"avatarImageId": nil}), 200).json(t, &upd)
		if upd["avatarUrl"] != nil {
			t.Fatalf("null avatarImageId should clear the avatar: %v", upd)
		}
	})
}
