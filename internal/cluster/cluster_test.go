package cluster_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/centrifugal/centrifuge-go"

	"github.com/kira-art/kira/internal/realtime"
)

// TestCluster runs the multi-instance scenarios on one deployment (A, B,
// worker), in parallel where they do not interfere, then checks that
// every job ran exactly once, and finally drains A with SIGTERM under load.
func TestCluster(t *testing.T) {
	c := startCluster(t)
	t.Run("spread", func(t *testing.T) {
		t.Run("run on A replayed and stopped from B", func(t *testing.T) { t.Parallel(); c.replayAndStopFromB(t) })
		t.Run("worker task pushed to a websocket on A", func(t *testing.T) { t.Parallel(); c.taskPushedToA(t) })
		t.Run("likes over both instances are exact", func(t *testing.T) { t.Parallel(); c.exactLikes(t) })
		t.Run("deleted profile is not resurrected by a cache", func(t *testing.T) { t.Parallel(); c.deletedProfile(t) })
		t.Run("post published on A is served by B", func(t *testing.T) { t.Parallel(); c.publishedOnA(t) })
	})
	t.Run("each job ran exactly once", c.jobsOnce)
	t.Run("runs of an instance killed with SIGKILL are taken over", c.killMidRun)
	t.Run("SIGTERM drains A under load", c.drainA)
}

// replayAndStopFromB: a run started on A is replayed from its first chunk
// on B and stopped from B; the stop's acknowledgement comes after the
// partial message is stored (read back from B at once).
func (c *cluster) replayAndStopFromB(t *testing.T) {
	u := c.newUser(t, c.a)
	thread := c.newThread(t, c.a, u, "hello")
	ctx := t.Context()
	status, onA, _, err := openStream(ctx, c.a.url, "POST", "/agent/streaming", u,
		map[string]any{"threadId": thread, "messages": []any{textMessage("m1", "draw a red fox in the snow")}})
	if err != nil || status != 200 {
		t.Fatalf("start on A: %d %v", status, err)
	}
	streamed := ""
	first, _, err := onA.next()
	if err != nil || first.typ() != "start" {
		t.Fatalf("first chunk on A %v %v", first, err)
	}
	for { // wait for streamed text, so the stop has something partial to save
		ch, _, err := onA.next()
		if err != nil {
			t.Fatal(err)
		}
		if ch.typ() == "text-delta" {
			streamed += ch["delta"].(string)
			break
		}
	}
	status, onB, _, err := openStream(ctx, c.b.url, "GET", "/agent/stream/"+thread, u, nil)
	if err != nil || status != 200 {
		t.Fatalf("replay on B: %d %v", status, err)
	}
	replayFirst, _, err := onB.next()
	if err != nil || replayFirst.typ() != "start" || replayFirst["messageId"] != first["messageId"] {
		t.Fatalf("B's replay starts with %v (%v), want A's start %v", replayFirst, err, first)
	}
	var ack struct{ Stopped bool }
	c.call(c.b, "POST", "/agent/task/"+thread+"/stop", u, nil).want(t, 200).json(t, &ack)
	if !ack.Stopped {
		t.Fatal("stop from B found no run")
	}
	msgs := c.messages(t, c.b, u, thread)
	last := msgs[len(msgs)-1]
	if last.Role != "assistant" || last.ID != first["messageId"] || last.Metadata.Status != "stopped" || last.text() == "" {
		t.Fatalf("after the ack B reads %+v (text %q), want the partial assistant message, stopped", last, last.text())
	}
	for name, s := range map[string]*stream{"A": onA, "B": onB} {
		chunks, err := s.rest()
		if err != nil || len(chunks) == 0 || chunks[len(chunks)-1].typ() != "finish" {
			t.Fatalf("viewer on %s: stream ended with %v (%v), want finish then [DONE]", name, lastType(chunks), err)
		}
		if name == "A" {
			for _, ch := range chunks {
				if ch.typ() == "text-delta" {
					streamed += ch["delta"].(string)
				}
				if strings.HasPrefix(ch.typ(), "tool-output") {
					t.Fatalf("the stopped run still ran its tool: %v", ch)
				}
			}
		}
	}
	if last.text() != streamed {
		t.Fatalf("stored text %q, the viewer on A assembled %q", last.text(), streamed)
	}
}

func lastType(chunks []chunk) string {
	if len(chunks) == 0 {
		return "nothing"
	}
	return chunks[len(chunks)-1].typ()
}

// taskPushedToA: a video requested through B is run by one of the
// workers (River on any process); the websocket client on A hears pending
// → processing → completed, each once, through the Redis broker.
func (c *cluster) taskPushedToA(t *testing.T) {
	u := c.newUser(t, c.a)
	c.kira(t, "plan", "--sub", u.ID, "--plan", "pro")
	c.kira(t, "credits", "--sub", u.ID, "--add", "500")
	thread := c.newThread(t, c.b, u, "hello")
	pubs := subscribe(t, c.a, u, realtime.UserChannel(u.ID, thread))
	status, s, _, err := openStream(t.Context(), c.b.url, "POST", "/agent/streaming", u,
		map[string]any{"threadId": thread, "messages": []any{textMessage("m1", "make a video of waves at sunset")}})
	if err != nil || status != 200 {
		t.Fatalf("start on B: %d %v", status, err)
	}
	if _, err := s.rest(); err != nil {
		t.Fatal(err)
	}
	var seq []string
	deadline := time.After(90 * time.Second)
	for len(seq) == 0 || seq[len(seq)-1] != "completed" {
		select {
		case raw := <-pubs:
			var ev struct{ Type, Status string }
			json.Unmarshal(raw, &ev) //nolint:errcheck // other types are skipped
			if ev.Type == "video_status" {
				seq = append(seq, ev.Status)
			}
		case <-deadline:
			t.Fatalf("video statuses on A %v, want …completed", seq)
		}
	}
	if strings.Join(seq, ",") != "pending,processing,completed" {
		t.Fatalf("video statuses on A %v, want pending, processing, completed", seq)
	}
	select { // nothing more: the task ran once
	case raw := <-pubs:
		if bytes.Contains(raw, []byte("video_status")) {
			t.Fatalf("extra status after completed: %s", raw)
		}
	case <-time.After(500 * time.Millisecond):
	}
}

// subscribe connects a centrifuge-go client to inst as u and subscribes
// to channel; publications arrive on the returned channel.
func subscribe(t *testing.T, inst *proc, u user, channel string) <-chan []byte {
	t.Helper()
	ws := "ws" + strings.TrimPrefix(inst.url, "http") + "/connection/websocket"
	cl := centrifuge.NewJsonClient(ws, centrifuge.Config{Token: u.Token})
	t.Cleanup(cl.Close)
	pubs := make(chan []byte, 64)
	subscribed := make(chan error, 1)
	sub, err := cl.NewSubscription(channel)
	if err != nil {
		t.Fatal(err)
	}
	sub.OnPublication(func(ev centrifuge.PublicationEvent) { pubs <- ev.Data })
	sub.OnSubscribed(func(centrifuge.SubscribedEvent) { subscribed <- nil })
	sub.OnError(func(ev centrifuge.SubscriptionErrorEvent) { subscribed <- ev.Error })
	if err := cl.Connect(); err != nil {
		t.Fatal(err)
	}
	if err := sub.Subscribe(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-subscribed:
		if err != nil {
			t.Fatalf("subscribe: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("not subscribed in time")
	}
	return pubs
}

// exactLikes: many users like (and some unlike) one post concurrently,
// alternating between A and B; both instances, and the owner's public
// profile, end with the exact count.
func (c *cluster) exactLikes(t *testing.T) {
	owner := c.newUser(t, c.a)
	feed := c.publish(t, c.a, owner)
	const users = 24
	members := make([]user, users) // minted first: the goroutines only like
	for i := range members {
		members[i] = c.newUser(t, []*proc{c.a, c.b}[i%2])
	}
	var wg sync.WaitGroup
	errs := make(chan string, users*3)
	for i, u := range members {
		wg.Go(func() {
			inst, other := c.a, c.b
			if i%2 == 1 {
				inst, other = c.b, c.a
			}
			for _, on := range []*proc{inst, other} { // idempotent: twice, once on each
				if r := c.call(on, "PUT", "/like/"+feed, u, nil); r.Status != 200 {
					errs <- fmt.Sprintf("%s like on %s: %d %s", u.ID, on.name, r.Status, r.Body)
				}
			}
			if i%3 == 0 { // a third take it back, on the other instance
				if r := c.call(other, "DELETE", "/like/"+feed, u, nil); r.Status != 200 {
					errs <- fmt.Sprintf("unlike: %d %s", r.Status, r.Body)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	want := users - (users+2)/3
	for _, inst := range []*proc{c.a, c.b} {
		var got struct{ LikedNumber int }
		eventually(t, func() bool {
			c.call(inst, "GET", "/like/"+feed, user{}, nil).want(t, 200).json(t, &got)
			return got.LikedNumber == want
		}, func() string { return fmt.Sprintf("%s: likedNumber %d, want %d", inst.name, got.LikedNumber, want) })
		var prof struct{ LikedNumber int }
		eventually(t, func() bool {
			c.call(inst, "GET", "/user/profile/"+owner.ID, user{}, nil).want(t, 200).json(t, &prof)
			return prof.LikedNumber == want
		}, func() string {
			return fmt.Sprintf("%s: profile likedNumber %d, want %d", inst.name, prof.LikedNumber, want)
		})
	}
}

// deletedProfile: B has the public profile cached; the account is
// deleted through A; B answers 404 (not the cached copy), and the user's
// next own request on B finds a new, empty profile.
func (c *cluster) deletedProfile(t *testing.T) {
	u := c.newUser(t, c.a)
	c.call(c.a, "PUT", "/user/profile", u, map[string]any{"nickname": "Before Deletion"}).want(t, 200)
	var pub struct{ Nickname string }
	eventually(t, func() bool {
		c.call(c.b, "GET", "/user/profile/"+u.ID, user{}, nil).want(t, 200).json(t, &pub)
		return pub.Nickname == "Before Deletion"
	}, func() string { return "B never showed the new nickname: " + pub.Nickname })
	c.call(c.a, "DELETE", "/user/?userId="+u.ID+"&password="+url.QueryEscape(c.pass), user{}, nil).want(t, 200)
	var last reply
	eventually(t, func() bool {
		last = c.call(c.b, "GET", "/user/profile/"+u.ID, user{}, nil)
		return last.Status == 404
	}, func() string { return fmt.Sprintf("B still serves the deleted profile: %d %s", last.Status, last.Body) })
	var own struct{ Nickname string }
	c.call(c.b, "GET", "/user/profile", u, nil).want(t, 200).json(t, &own)
	if own.Nickname == "Before Deletion" {
		t.Fatal("B resurrected the deleted profile")
	}
}

// publishedOnA: a post published through A is served by B, image bytes
// included (the shared S3 store).
func (c *cluster) publishedOnA(t *testing.T) {
	u := c.newUser(t, c.a)
	id := c.publish(t, c.a, u)
	var post struct {
		ID    string
		Image struct{ URL string }
	}
	c.call(c.b, "GET", "/feed/"+id, user{}, nil).want(t, 200).json(t, &post)
	if post.ID != id || post.Image.URL == "" {
		t.Fatalf("B serves %+v", post)
	}
	// B's URL is presigned for the shared S3 endpoint: fetching it reads
	// the object A stored.
	resp, err := http.Get(post.Image.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET B's image URL: %d %v", resp.StatusCode, err)
	}
	if _, err := png.Decode(bytes.NewReader(body)); err != nil {
		t.Fatalf("B's copy of the image: %v", err)
	}
}

// publish uploads a PNG through inst and publishes it; it returns the
// post id.
func (c *cluster) publish(t *testing.T, inst *proc, u user) string {
	t.Helper()
	// A grid of random colours: every post differs from the others, so
	// the near-duplicate check does not hide it.
	img := image.NewRGBA(image.Rect(0, 0, 96, 96))
	cells := make([]byte, 6*6*3)
	rand.Read(cells) //nolint:errcheck // never fails
	for y := range 96 {
		for x := range 96 {
			i := (y/16*6 + x/16) * 3
			img.Set(x, y, color.RGBA{cells[i], cells[i+1], cells[i+2], 255})
		}
	}
	var pngBuf, body bytes.Buffer
	if err := png.Encode(&pngBuf, img); err != nil {
		t.Fatal(err)
	}
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "picture.png")
	fw.Write(pngBuf.Bytes()) //nolint:errcheck // in memory
	mw.Close()
	req, _ := http.NewRequest("POST", inst.url+"/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+u.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var up struct{ Image struct{ ImageID string } }
	if resp.StatusCode != 200 || json.Unmarshal(b, &up) != nil || up.Image.ImageID == "" {
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	var post struct {
		ID   string
		Flag []string
	}
	c.call(inst, "POST", "/publish/", u, map[string]any{"imageId": up.Image.ImageID}).want(t, 200).json(t, &post)
	if len(post.Flag) > 0 {
		t.Fatalf("the post is hidden: flag %v", post.Flag)
	}
	return post.ID
}

// jobsOnce: every River job the scenarios caused ran once: completed
// rows have one attempt, and none is retrying or discarded.
func (c *cluster) jobsOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var rows []string
	eventually(t, func() bool { // the last jobs (titles, cleanups) may still run
		var n int
		err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE state IN ('available','running','retryable','pending')
			AND scheduled_at < now() + interval '1 minute'`).Scan(&n)
		return err == nil && n == 0
	}, func() string { return "jobs still pending" })
	q, err := c.db.QueryContext(ctx, `SELECT id, kind, state, attempt FROM river_job ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	completed := 0
	for q.Next() {
		var id int64
		var kind, state string
		var attempt int
		if err := q.Scan(&id, &kind, &state, &attempt); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, fmt.Sprintf("%d %s %s %d", id, kind, state, attempt))
		switch {
		case state == "completed" && attempt == 1:
			completed++
		case state == "scheduled" || state == "cancelled":
		default:
			t.Errorf("job %d %s: state %s after %d attempts, want completed once", id, kind, state, attempt)
		}
	}
	if completed == 0 {
		t.Fatalf("no completed jobs: %v", rows)
	}
	t.Logf("%d jobs completed once each", completed)
}

// eventually polls cond for up to 10s (cross-instance effects travel over
// Redis pub/sub and River), failing with msg.
func eventually(t *testing.T, cond func() bool, msg func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(msg())
		}
		time.Sleep(25 * time.Millisecond)
	}
}
