package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

func newUser(t *testing.T, s *store.Store) store.Profile {
	t.Helper()
	p, _, err := s.EnsureProfile(context.Background(), uuid.NewString(), "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func userMessage(id, text string) store.Message {
	return store.Message{ID: id, Role: "user", Body: []byte(fmt.Sprintf(`{"id":%q,"role":"user","parts":[{"type":"text","text":%q}]}`, id, text))}
}

func TestEnsureProfileCreatesOnceUnderRace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		id := uuid.NewString()
		var wg sync.WaitGroup
		var mu sync.Mutex
		created := 0
		for range 8 {
			wg.Go(func() {
				_, c, err := s.EnsureProfile(ctx, id, "bob.smith@example.com")
				if err != nil {
					t.Error(err)
				}
				if c {
					mu.Lock()
					created++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if created != 1 {
			t.Fatalf("created %d times, want 1", created)
		}
		p, err := s.GetProfile(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Plan != "free" || p.Credit != store.SignupCredit || p.Nickname != "bob.smith" || p.LastCreditIssuedAt == nil {
			t.Fatalf("unexpected new profile %+v", p)
		}
		if time.Since(*p.LastCreditIssuedAt) > time.Minute {
			t.Fatalf("lastCreditIssuedAt %v is not now", p.LastCreditIssuedAt)
		}
	})
}

func TestUpdateProfilePartial(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := newUser(t, s)
		nick, wm := "Neo", true
		got, err := s.UpdateProfile(ctx, p.ID, store.ProfilePatch{Nickname: &nick, Watermark: &wm})
		if err != nil {
			t.Fatal(err)
		}
		if got.Nickname != "Neo" || !got.Watermark || got.Language != p.Language || got.Credit != p.Credit {
			t.Fatalf("patch applied wrongly: %+v", got)
		}
		if _, err := s.UpdateProfile(ctx, uuid.NewString(), store.ProfilePatch{Nickname: &nick}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown profile: want ErrNotFound, got %v", err)
		}
	})
}

func TestThreadLifecycleAndOwnership(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		alice, mallory := newUser(t, s), newUser(t, s)
		th, err := s.CreateThread(ctx, store.Thread{ID: uuid.NewString(), UserID: alice.ID, Title: "cats"}, userMessage("m1", "draw cats"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateThread(ctx, store.Thread{ID: th.ID, UserID: alice.ID, Title: "dup"}, userMessage("m1", "x")); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate thread id: want ErrConflict, got %v", err)
		}
		if _, err := s.GetThread(ctx, mallory.ID, th.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("foreign thread: want ErrNotFound, got %v", err)
		}
		if _, err := s.RenameThread(ctx, mallory.ID, th.ID, "mine"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("foreign rename: want ErrNotFound, got %v", err)
		}
		if _, err := s.DeleteThread(ctx, mallory.ID, th.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("foreign delete: want ErrNotFound, got %v", err)
		}
		renamed, err := s.RenameThread(ctx, alice.ID, th.ID, "Cats at night")
		if err != nil || renamed.Title != "Cats at night" || renamed.TitleSource != "user" {
			t.Fatalf("rename: %+v %v", renamed, err)
		}
		if changed, err := s.SetModelTitle(ctx, th.ID, "Model title"); err != nil || changed {
			t.Fatalf("model title must not overwrite a user title (changed=%v err=%v)", changed, err)
		}
		if _, err := s.DeleteThread(ctx, alice.ID, th.ID); err != nil {
			t.Fatal(err)
		}
		if msgs, err := s.ListMessages(ctx, th.ID); err != nil || len(msgs) != 0 {
			t.Fatalf("messages survived thread deletion: %d %v", len(msgs), err)
		}
		if _, err := s.GetThread(ctx, alice.ID, th.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted thread: want ErrNotFound, got %v", err)
		}
	})
}

func TestListThreadsKeysetPaging(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		other := newUser(t, s)
		var want []string
		for i := range 7 {
			th, err := s.CreateThread(ctx, store.Thread{ID: uuid.NewString(), UserID: u.ID, Title: fmt.Sprint(i)}, userMessage("m", "hi"))
			if err != nil {
				t.Fatal(err)
			}
			want = append([]string{th.ID}, want...)
		}
		if _, err := s.CreateThread(ctx, store.Thread{ID: uuid.NewString(), UserID: other.ID, Title: "x"}, userMessage("m", "hi")); err != nil {
			t.Fatal(err)
		}
		var got []string
		var cur *store.ThreadCursor
		for {
			page, err := s.ListThreads(ctx, u.ID, cur, 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, th := range page {
				got = append(got, th.ID)
			}
			if len(page) < 3 {
				break
			}
			last := page[len(page)-1]
			cur = &store.ThreadCursor{UpdatedAt: last.UpdatedAt, ID: last.ID}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("pages gave %v, want %v", got, want)
		}
	})
}

func TestMessagesOrderUpsertAndBefore(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		th, err := s.CreateThread(ctx, store.Thread{ID: uuid.NewString(), UserID: u.ID, Title: "t"}, userMessage("a1", "one"))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"b2", "c3"} {
			m := userMessage(id, id)
			m.ThreadID, m.UserID = th.ID, u.ID
			if _, err := s.SaveMessage(ctx, m, nil); err != nil {
				t.Fatal(err)
			}
		}
		edited := userMessage("a1", "edited")
		edited.ThreadID, edited.UserID = th.ID, u.ID
		if _, err := s.SaveMessage(ctx, edited, nil); err != nil {
			t.Fatal(err)
		}
		msgs, err := s.ListMessages(ctx, th.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 3 || msgs[0].ID != "a1" || msgs[1].ID != "b2" || msgs[2].ID != "c3" {
			t.Fatalf("order after upsert: %+v", msgs)
		}
		if string(msgs[0].Body) != string(edited.Body) {
			t.Fatalf("upsert kept old body %s", msgs[0].Body)
		}
		before, err := s.ListMessagesBefore(ctx, th.ID, "c3")
		if err != nil || len(before) != 2 {
			t.Fatalf("before c3: %d %v", len(before), err)
		}
		if _, err := s.ListMessagesBefore(ctx, th.ID, "zz"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown anchor: want ErrNotFound, got %v", err)
		}
	})
}

func TestSaveMessageWithImagesMakesOneVersion(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		th, err := s.CreateThread(ctx, store.Thread{ID: uuid.NewString(), UserID: u.ID, Title: "t"}, userMessage("u1", "draw"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateFile(ctx, store.File{ID: "gen_" + uuid.NewString(), UserID: u.ID, Kind: "image", Origin: "gen",
			ContentType: "image/png", StorageKey: "k", Width: 64, Height: 32}); err != nil {
			t.Fatal(err)
		}
		m := store.Message{ThreadID: th.ID, UserID: u.ID, ID: "a1", Role: "assistant", Body: []byte(`{"id":"a1","role":"assistant","parts":[]}`)}
		imgs := []store.VersionImage{{ImageID: "gen_a", Data: []byte(`{"imageId":"gen_a"}`)}, {ImageID: "gen_b"}}
		v1, err := s.SaveMessage(ctx, m, imgs)
		if err != nil {
			t.Fatal(err)
		}
		v2, err := s.SaveMessage(ctx, m, imgs[:1])
		if err != nil {
			t.Fatal(err)
		}
		if v1 == nil || v2 == nil || v1.ID != v2.ID || len(v2.Images) != 2 {
			t.Fatalf("saving twice must keep one version with 2 images: %+v %+v", v1, v2)
		}
		vs, err := s.ListVersions(ctx, th.ID)
		if err != nil || len(vs) != 1 || vs[0].Images[0].ImageID != "gen_a" {
			t.Fatalf("versions: %+v %v", vs, err)
		}
		got, _ := s.GetThread(ctx, u.ID, th.ID)
		if got.ThumbImageID != "gen_b" {
			t.Fatalf("thread thumbnail %q, want last image", got.ThumbImageID)
		}
	})
}

// TestRewriteV4MessageOnlyReplacesTheBodyRead: the write-back matches the
// body the conversion was made from, whatever the format column says, and
// leaves a row changed since the read alone.
func TestRewriteV4MessageOnlyReplacesTheBodyRead(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser(t, s)
		th, err := s.CreateThread(ctx, store.Thread{ID: uuid.NewString(), UserID: u.ID, Title: "t"}, userMessage("a1", "one"))
		if err != nil {
			t.Fatal(err)
		}
		v4 := []byte(`{"id":"old","role":"user","content":"hi","parts":[{"type":"text","text":"hi"}]}`)
		v5 := []byte(`{"id":"old","role":"user","parts":[{"type":"text","text":"hi"}]}`)
		m := store.Message{ThreadID: th.ID, UserID: u.ID, ID: "old", Role: "user", Body: v4, Format: store.FormatV5}
		if _, err := s.SaveMessage(ctx, m, nil); err != nil {
			t.Fatal(err)
		}
		// Edited between the read and the write-back: kept.
		edited := userMessage("old", "edited")
		edited.ThreadID, edited.UserID = th.ID, u.ID
		if _, err := s.SaveMessage(ctx, edited, nil); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.RewriteV4Message(ctx, th.ID, "old", v4, v5); err != nil || ok {
			t.Fatalf("stale rewrite: ok=%v err=%v", ok, err)
		}
		if got, _ := s.GetMessage(ctx, th.ID, "old"); string(got.Body) != string(edited.Body) {
			t.Fatalf("stale rewrite overwrote the edit: %s", got.Body)
		}
		// The body read is still there (format column 'v5'): rewritten once.
		if _, err := s.SaveMessage(ctx, m, nil); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.RewriteV4Message(ctx, th.ID, "old", v4, v5); err != nil || !ok {
			t.Fatalf("rewrite: ok=%v err=%v", ok, err)
		}
		if ok, _ := s.RewriteV4Message(ctx, th.ID, "old", v4, v5); ok {
			t.Fatal("second rewrite of the same read matched again")
		}
		got, _ := s.GetMessage(ctx, th.ID, "old")
		if string(got.Body) != string(v5) || got.Format != store.FormatV5 {
			t.Fatalf("row after rewrite: %s %s", got.Format, got.Body)
		}
	})
}
