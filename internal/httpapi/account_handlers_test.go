package httpapi_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/store"
)

type deletionStatusJSON struct {
	Scheduled    bool
	DeletionDate *string
}

func (e *env) deletionStatus(u user) deletionStatusJSON {
	e.t.Helper()
	var st deletionStatusJSON
	expect(e.t, e.do("GET", "/support/deletion-status", u.Token, nil), 200).json(e.t, &st)
	return st
}

func TestAccountDeletionScheduleStatusCancel(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		if st := e.deletionStatus(u); st.Scheduled || st.DeletionDate != nil {
			t.Fatalf("status before: %+v", st)
		}
		expectError(t, e.do("POST", "/support/cancel-delete-account", u.Token, nil), 404, "no account deletion")
		for _, body := range []any{nil, "", "{}", `{"reason":""}`, `{"reason":"   "}`, `{"reason":1}`, `{"reason":null}`,
			`{"reason":"x","reasonText":5}`, `{"reason":["x"]}`, `[]`, `{"reason":"x"} {}`,
			map[string]any{"reason": strings.Repeat("r", 101)}, map[string]any{"reason": "x", "reasonText": strings.Repeat("t", 2001)}} {
			if r := e.bad("POST", "/support/delete-account", u.Token, body); r.Status != 400 {
				t.Fatalf("body %v: status %d %s", body, r.Status, r.Body)
			}
		}
		if st := e.deletionStatus(u); st.Scheduled {
			t.Fatal("a refused request scheduled the deletion")
		}
		expect(t, e.bad("POST", "/support/delete-account", "", map[string]any{"reason": "x"}), 401)

		before := time.Now()
		expect(t, e.do("POST", "/support/delete-account", u.Token, map[string]any{"reason": "privacy", "reasonText": "bye"}), 200)
		st := e.deletionStatus(u)
		if !st.Scheduled || st.DeletionDate == nil {
			t.Fatalf("status after: %+v", st)
		}
		at, err := time.Parse(time.RFC3339Nano, *st.DeletionDate)
		if d := at.Sub(before); err != nil || d < 719*time.Hour || d > 721*time.Hour {
			t.Fatalf("deletion date %s (%v after the request) %v", *st.DeletionDate, d, err)
		}
		r := expect(t, e.do("POST", "/support/delete-account", u.Token, map[string]any{"reason": "again"}), 409)
		var body struct{ Error string }
		if r.json(t, &body); body.Error != "already_scheduled" {
			t.Fatalf("409 body %s", r.Body)
		}
		other := e.newUser()
		if e.deletionStatus(other).Scheduled {
			t.Fatal("another user's status shows the deletion")
		}
		expect(t, e.do("POST", "/support/cancel-delete-account", other.Token, nil), 404)

		expect(t, e.do("POST", "/support/cancel-delete-account", u.Token, nil), 200)
		if e.deletionStatus(u).Scheduled {
			t.Fatal("still scheduled after cancel")
		}
		expect(t, e.do("POST", "/support/cancel-delete-account", u.Token, nil), 404)
		expect(t, e.do("POST", "/support/delete-account", u.Token, map[string]any{"reason": "changed my mind twice"}), 200)
		if !e.deletionStatus(u).Scheduled {
			t.Fatal("not scheduled after a new request")
		}
	})
}

// accountEnv is a server with an admin password; the env's dataDir lets
// the test look at the blob files on disk.
type accountEnv struct {
	feedEnv
}

func forEachAccountStore(t *testing.T, grace, reminder time.Duration, fn func(t *testing.T, e accountEnv), more ...func(*config.Config)) {
	t.Helper()
	forEachRawStore(t, func(t *testing.T, r rawEnv) { fn(t, accountEnv{feedEnv{r}}) }, func(c *config.Config) {
		c.AdminPassword = testAdminPassword
		if grace > 0 {
			c.Accounts.DeletionGrace, c.Accounts.DeletionReminder = grace, reminder
		}
		for _, m := range more {
			m(c)
		}
	})
}

// count runs a COUNT query written with ? placeholders.
func (e rawEnv) count(q string, args ...any) int {
	e.t.Helper()
	if e.store.Dialect() == store.Postgres {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	var n int
	if err := e.raw.QueryRow(q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// seed gives u an uploaded image, a published post, a thread and a
// favourite filter; it returns the post's id.
func (e accountEnv) seed(u user) string {
	e.t.Helper()
	id := uuid.MustParse(u.ID)
	up := e.uploadImage(u, scene(binary.BigEndian.Uint64(id[:8]), 64, 48)) // distinct: no duplicate flag
	f := e.publish(u, up.FileID)
	e.newThread(u, "a cat")
	return f.ID
}

func (e accountEnv) blobDirs(u user) []string {
	return []string{filepath.Join(e.dataDir, "blobs", "u", u.ID), filepath.Join(e.dataDir, "blobs", "p", u.ID)}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// gone reports whether nothing of u is left: no profile, no rows naming
// the user in the tables with a user column, no blob directory.
func (e accountEnv) gone(u user) bool {
	if _, err := e.store.GetProfile(context.Background(), u.ID); !errors.Is(err, store.ErrNotFound) {
		return false
	}
	for _, table := range []string{"files", "threads", "messages", "versions", "media_tasks", "feeds", "likes",
		"filter_favourites", "credit_ledger", "account_deletions", "embeddings", "agent_runs"} {
		if e.count("SELECT COUNT(*) FROM "+table+" WHERE user_id = ?", u.ID) != 0 {
			return false
		}
	}
	for _, d := range e.blobDirs(u) {
		if exists(d) {
			return false
		}
	}
	return true
}

func (e accountEnv) likedNumber(feedID string) int {
	e.t.Helper()
	var f feedJSON
	expect(e.t, e.do("GET", "/feed/"+feedID, "", nil), 200).json(e.t, &f)
	return f.LikedNumber
}

func TestHardDeleteRemovesEverything(t *testing.T) {
	t.Parallel()
	forEachAccountStore(t, 0, 0, func(t *testing.T, e accountEnv) {
		gone, kept, fan := e.member(), e.member(), e.member()
		gonePost, keptPost := e.seed(gone), e.seed(kept)
		for _, l := range []struct {
			post string
			u    user
		}{{keptPost, gone}, {keptPost, fan}, {gonePost, kept}, {gonePost, gone}} {
			e.like("PUT", l.post, l.u.Token, 200)
		}
		for _, d := range e.blobDirs(gone) {
			if !exists(d) {
				t.Fatalf("no blobs at %s before the delete", d)
			}
		}
		path := "/user/?userId=" + gone.ID + "&password="
		expect(t, e.bad("DELETE", path+"wrong", "", nil), 401)
		expect(t, e.bad("DELETE", "/user/?userId="+gone.ID, "", nil), 401)
		expect(t, e.bad("DELETE", "/user/?userId="+gone.ID+"&password=", gone.Token, nil), 401)
		if e.gone(gone) || e.likedNumber(keptPost) != 2 {
			t.Fatal("a refused delete deleted something")
		}
		for _, id := range []string{"", "nope", uuid.NewString() + "x", strings.ToUpper(uuid.NewString())[:35]} {
			expect(t, e.bad("DELETE", "/user/?password="+testAdminPassword+"&userId="+id, "", nil), 400)
		}
		expect(t, e.do("DELETE", path+testAdminPassword, "", nil), 200)
		waitFor(t, "the user's rows and blobs to go", func() bool { return e.gone(gone) })
		if n := e.likedNumber(keptPost); n != 1 {
			t.Fatalf("the other user's post has likedNumber %d, want 1", n)
		}
		if n := e.count("SELECT COUNT(*) FROM likes WHERE feed_id = ?", keptPost); n != 1 {
			t.Fatalf("the other user's post has %d like rows, want 1", n)
		}
		expect(t, e.do("GET", "/feed/"+gonePost, "", nil), 404)
		expect(t, e.do("GET", "/user/profile/"+gone.ID, "", nil), 404)
		for _, d := range e.blobDirs(kept) {
			if !exists(d) {
				t.Fatalf("the other user's blobs at %s went", d)
			}
		}
		expect(t, e.do("DELETE", "/user?userId="+gone.ID+"&password="+testAdminPassword, "", nil), 200) // twice
		expect(t, e.do("DELETE", path+testAdminPassword+"&x=1", "", nil), 200)
		expect(t, e.do("DELETE", "/user/?userId="+uuid.NewString()+"&password="+testAdminPassword, "", nil), 200)
		// The deleted user's still-valid token starts a fresh, empty account.
		var p struct{ ID string }
		expect(t, e.do("GET", "/user/profile", gone.Token, nil), 200).json(t, &p)
		if p.ID != gone.ID || e.count("SELECT COUNT(*) FROM feeds WHERE user_id = ?", gone.ID) != 0 {
			t.Fatalf("profile after delete: %+v", p)
		}
	})
}

func TestCancelledDeletionDoesNotRun(t *testing.T) {
	t.Parallel()
	forEachAccountStore(t, time.Hour, time.Minute, func(t *testing.T, e accountEnv) {
		u := e.member()
		e.seed(u)
		expect(t, e.do("POST", "/support/delete-account", u.Token, map[string]any{"reason": "test"}), 200)
		expect(t, e.do("POST", "/support/cancel-delete-account", u.Token, nil), 200)
		// The delete job is withdrawn, not left to find nothing to do.
		if n := e.count("SELECT COUNT(*) FROM river_job WHERE kind = 'delete_account' AND state = 'cancelled'"); n != 1 {
			t.Fatalf("%d cancelled delete jobs, want 1", n)
		}
		if _, err := e.store.GetProfile(context.Background(), u.ID); err != nil {
			t.Fatalf("profile after a cancelled deletion: %v", err)
		}
		if e.count("SELECT COUNT(*) FROM feeds WHERE user_id = ?", u.ID) != 1 {
			t.Fatal("the post went")
		}
	})
}

// TestHardDeleteStopsTheRunningAgentRun: a run streaming when its user is
// deleted is stopped (and saved) before the rows go, so it finishes its
// stream and writes nothing after the delete.
func TestHardDeleteStopsTheRunningAgentRun(t *testing.T) {
	t.Parallel()
	forEachStoreWith(t, func(c *config.Config) {
		slowModel(20 * time.Millisecond)(c)
		c.AdminPassword = testAdminPassword
	}, func(t *testing.T, e *env) {
		u := e.newUser()
		id := e.newThread(u, "hello")
		stream := e.openStream(context.Background(), "POST", "/agent/streaming", u.Token,
			streamBody(id, "u2", "tell me about foxes and draw one"), nil)
		if _, err := stream.next(); err != nil {
			t.Fatal(err)
		}
		var st map[string]any
		expect(t, e.do("GET", "/agent/task/"+id+"/status", u.Token, nil), 200).json(t, &st)
		if st["status"] != "running" {
			t.Fatalf("status %v", st)
		}
		expect(t, e.do("DELETE", "/user/?userId="+u.ID+"&password="+testAdminPassword, "", nil), 200)
		if _, err := e.store.GetProfile(context.Background(), u.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("profile after delete: %v", err)
		}
		rest := stream.all(t)
		if len(rest) == 0 || rest[len(rest)-1].chunk(t)["type"] != "finish" {
			t.Fatalf("the stream of a deleted user's run did not finish: %d events", len(rest))
		}
		if th, err := e.store.GetThread(context.Background(), u.ID, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("thread after delete: %+v %v", th, err)
		}
		if _, err := e.store.ActiveRun(context.Background(), id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("active run after delete: %v", err)
		}
	})
}
