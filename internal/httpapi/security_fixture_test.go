package httpapi_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/store"
)

// The security suite (security_*_test.go) attacks the server as a
// stranger: B calls every route of the route table with A's ids
// (security_idor_test.go), forged tokens (security_token_test.go) and
// hostile bodies, queries and path parameters (security_input_test.go),
// expecting the documented status, never a 500, and no change to A's rows.

// secEnv is the suite's server: a raw database connection to snapshot the
// victim's rows, the operator password set (so password routes are open to
// whoever knows it, and closed to B) and a Front Chat secret.
type secEnv struct{ feedEnv }

func forEachSecStore(t *testing.T, fn func(t *testing.T, e secEnv)) {
	t.Helper()
	forEachRawStore(t, func(t *testing.T, r rawEnv) { fn(t, secEnv{feedEnv{r}}) }, func(c *config.Config) {
		c.AdminPassword = testAdminPassword
		c.FrontChatKey = "front-chat-secret"
	})
}

// victim is everything user A owns: the ids B tries.
type victim struct {
	user                     user
	thread, message          string // a thread and its second message
	version                  string
	image, originImage       string // an uploaded image (published), and a second unpublished one
	imageKey                 string // the storage key of image
	video, audio             string // completed tasks
	videoUpload, audioUpload string // uploaded media files
	public, hidden           string // posts: public and flagged nsfw (hidden)
	likedPost                string // A's public post, liked by A
	filter                   string // A's favourite filter
}

// seedVictim gives u one of everything (see victim).
func (e secEnv) seedVictim(u user) victim {
	e.t.Helper()
	ctx := context.Background()
	id := uuid.MustParse(u.ID)
	seed := binary.BigEndian.Uint64(id[:8])
	v := victim{user: u, thread: e.newThread(u, "a cat in the rain"), message: "m2", filter: "anime-chibi"}
	expect(e.t, e.do("POST", "/agent/chatMessage/"+v.thread, u.Token,
		map[string]any{"message": textMessage(v.message, "assistant", "here is your cat")}), 200)
	up := e.uploadImage(u, scene(seed, 64, 48))
	v.image = up.FileID
	second := e.uploadImage(u, scene(seed+1, 64, 48))
	v.originImage = second.FileID
	ver, err := e.store.SaveVersion(ctx, u.ID, v.thread, v.message, []store.VersionImage{{ImageID: v.originImage}}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	v.version = ver.ID
	if f, err := e.store.GetFile(ctx, v.image); err == nil {
		v.imageKey = f.StorageKey
	} else {
		e.t.Fatal(err)
	}
	te := taskEnv{e.rawEnv}
	v.video = te.task(u, videoKind, store.TaskCompleted).ID
	v.audio = te.task(u, audioKind, store.TaskCompleted).ID
	v.videoUpload = te.upload(u, videoKind.name, videoKind.data)
	v.audioUpload = te.upload(u, audioKind.name, audioKind.data)
	v.public = e.publish(u, v.image).ID
	v.likedPost = v.public
	v.hidden = e.post(u, store.MediaImage, store.FlagNSFW).ID
	e.like("PUT", v.public, u.Token, 200)
	expect(e.t, e.do("POST", "/filter/like", u.Token, map[string]string{"filterId": v.filter}), 200)
	return v
}

// snapshot is what B must never change: A's row counts per table, the
// like count of A's post, A's profile and thread title.
type snapshot map[string]string

var victimTables = []string{"files", "threads", "messages", "versions", "media_tasks", "feeds", "likes",
	"filter_favourites", "credit_ledger", "account_deletions", "agent_runs"}

func (e secEnv) snapshot(v victim) snapshot {
	e.t.Helper()
	s := snapshot{}
	for _, table := range victimTables {
		s[table] = fmt.Sprint(e.count("SELECT COUNT(*) FROM "+table+" WHERE user_id = ?", v.user.ID))
	}
	s["likes on post"] = fmt.Sprint(e.count("SELECT COUNT(*) FROM likes WHERE feed_id = ?", v.public))
	s["featured posts"] = fmt.Sprint(e.count("SELECT COUNT(*) FROM feeds WHERE user_id = ? AND featured", v.user.ID))
	s["public posts"] = fmt.Sprint(e.count("SELECT COUNT(*) FROM feeds WHERE user_id = ? AND is_public", v.user.ID))
	s["completed tasks"] = fmt.Sprint(e.count("SELECT COUNT(*) FROM media_tasks WHERE user_id = ? AND status = 'completed'", v.user.ID))
	p, err := e.store.GetProfile(context.Background(), v.user.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	s["profile"] = fmt.Sprintf("%s|%s|%s|%v|%d", p.Nickname, p.Language, p.AvatarImageID, p.Watermark, p.Credit)
	return s
}

// settled waits until A's snapshot stops changing (the jobs A's own
// requests queued — titles, moderation, derivatives — have run) and
// returns it.
func (e secEnv) settled(v victim) snapshot {
	e.t.Helper()
	prev := e.snapshot(v)
	deadline := time.Now().Add(20 * time.Second)
	for stable := 0; stable < 3; {
		time.Sleep(50 * time.Millisecond)
		cur := e.snapshot(v)
		if reflect.DeepEqual(cur, prev) {
			stable++
		} else if stable, prev = 0, cur; time.Now().After(deadline) {
			e.t.Fatalf("victim's rows never settled: %v", cur)
		}
	}
	return prev
}

// unchanged fails t when A's rows differ from before.
func (e secEnv) unchanged(t *testing.T, v victim, before snapshot, what string) {
	t.Helper()
	if after := e.snapshot(v); !reflect.DeepEqual(after, before) {
		var diff []string
		for k, b := range before {
			if after[k] != b {
				diff = append(diff, fmt.Sprintf("%s %s→%s", k, b, after[k]))
			}
		}
		t.Errorf("%s changed the victim's rows: %s", what, strings.Join(diff, ", "))
	}
}
