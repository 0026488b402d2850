package cluster_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/uistream"
)

// killMidRun is the chaos test of run takeover (issue 10 item 3): a third
// instance C runs several chat turns at once, with each turn's viewer on
// B (GET /agent/stream/{thread}, which tails the shared log); C is killed
// with SIGKILL mid-stream. Another instance notices the expired leases
// (RUN_LEASE=3s here) and continues every run in the same log: each viewer
// sees one valid UI message stream to finish, the stored message equals
// what the viewer assembled, no run stays running, and no image is charged
// twice.
func (c *cluster) killMidRun(t *testing.T) {
	victim := c.start("C", "serve", "LLM_TOKEN_DELAY=150ms")
	if t.Failed() {
		t.FailNow()
	}
	prompts := []string{"draw a red fox in the snow", "draw a lighthouse at night", "make a video of a fox running",
		"paint a blue whale"}
	type turn struct {
		u      user
		thread string
		chunks chan []chunk
		err    chan error
	}
	var turns []turn
	var midRun sync.WaitGroup
	for i, prompt := range prompts {
		u := c.newUser(t, c.b)
		thread := c.newThread(t, c.b, u, "hello")
		status, onC, _, err := openStream(t.Context(), victim.url, "POST", "/agent/streaming", u,
			map[string]any{"threadId": thread, "messages": []any{textMessage("m1", prompt)}})
		if err != nil || status != 200 {
			t.Fatalf("start run %d on C: %d %v", i, status, err)
		}
		if first, _, err := onC.next(); err != nil || first.typ() != "start" {
			t.Fatalf("run %d: first chunk on C %v %v", i, first, err)
		}
		status, onB, _, err := openStream(t.Context(), c.b.url, "GET", "/agent/stream/"+thread, u, nil)
		if err != nil || status != 200 {
			t.Fatalf("viewer of run %d on B: %d %v", i, status, err)
		}
		tr := turn{u: u, thread: thread, chunks: make(chan []chunk, 1), err: make(chan error, 1)}
		midRun.Add(1)
		go func() {
			var got []chunk
			sawText := false
			for {
				ch, done, err := onB.next()
				if done || err != nil {
					if !sawText {
						midRun.Done()
					}
					tr.chunks <- got
					tr.err <- err
					onB.resp.Body.Close()
					return
				}
				got = append(got, ch)
				if ch.typ() == "text-delta" && !sawText {
					sawText = true
					midRun.Done()
				}
			}
		}()
		turns = append(turns, tr)
	}
	midRun.Wait() // every run has streamed some text
	if err := victim.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-victim.done
	killed := time.Now()
	for i, tr := range turns {
		var chunks []chunk
		select {
		case chunks = <-tr.chunks:
		case <-time.After(90 * time.Second):
			t.Fatalf("run %d: the viewer on B never saw the end", i)
		}
		if err := <-tr.err; err != nil {
			t.Errorf("run %d: viewer stream broke: %v", i, err)
			continue
		}
		c.checkTakenOver(t, i, tr.u, tr.thread, chunks)
	}
	t.Logf("%d runs continued after SIGKILL of C; the last ended %v after the kill", len(turns), time.Since(killed).Round(time.Millisecond))
}

// checkTakenOver checks one run's outcome after the takeover.
func (c *cluster) checkTakenOver(t *testing.T, i int, u user, thread string, chunks []chunk) {
	t.Helper()
	parsed := make([]uistream.Chunk, 0, len(chunks))
	for _, ch := range chunks {
		b, _ := json.Marshal(ch)
		pc, err := uistream.ParseChunk(b)
		if err != nil {
			t.Errorf("run %d: chunk %s: %v", i, b, err)
			return
		}
		parsed = append(parsed, pc)
	}
	if err := uistream.CheckOrder(parsed); err != nil {
		t.Errorf("run %d: the viewer's stream is not valid: %v", i, err)
		return
	}
	if lastType(chunks) != "finish" {
		t.Errorf("run %d: stream ended with %s, want finish", i, lastType(chunks))
		return
	}
	asm := uistream.NewAssembler()
	for _, pc := range parsed {
		asm.Add(pc) //nolint:errcheck // CheckOrder passed
	}
	msgs := c.messages(t, c.b, u, thread)
	last := msgs[len(msgs)-1]
	if !sameJSON(asm.Message().Parts, last.Parts) {
		vb, _ := json.Marshal(asm.Message().Parts)
		sb, _ := json.Marshal(last.Parts)
		t.Errorf("run %d: stored message differs from the viewer's\nviewer %s\nstored %s", i, vb, sb)
	}
	var status string
	if err := c.db.QueryRow(`SELECT status FROM agent_runs WHERE thread_id = $1 ORDER BY started_at DESC LIMIT 1`,
		thread).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if status != "completed" {
		t.Errorf("run %d: status %s, want completed", i, status)
	}
	var images, charged, entries, keys int
	if err := c.db.QueryRow(`SELECT COUNT(*) FROM files WHERE user_id = $1 AND origin = 'gen'`, u.ID).Scan(&images); err != nil {
		t.Fatal(err)
	}
	if err := c.db.QueryRow(`SELECT COALESCE(-SUM(credit_delta + addon_delta), 0), COUNT(*), COUNT(DISTINCT ref_id)
		FROM credit_ledger WHERE user_id = $1 AND reason IN ('generateImage', 'editImage')`, u.ID).Scan(&charged, &entries, &keys); err != nil {
		t.Fatal(err)
	}
	if charged != 5*images || entries != keys {
		t.Errorf("run %d: %d images stored, %d credits charged in %d entries for %d images", i, images, charged, entries, keys)
	}
	var tasks int
	if err := c.db.QueryRow(`SELECT COUNT(*) FROM media_tasks WHERE thread_id = $1`, thread).Scan(&tasks); err != nil {
		t.Fatal(err)
	}
	if tasks > 1 {
		t.Errorf("run %d: %d tasks queued, want at most one", i, tasks)
	}
}

// sameJSON compares two message part lists as JSON values.
func sameJSON(a, b []json.RawMessage) bool {
	decode := func(parts []json.RawMessage) []any {
		out := make([]any, len(parts))
		for i, p := range parts {
			if err := json.Unmarshal(p, &out[i]); err != nil {
				out[i] = fmt.Sprintf("invalid: %s", p)
			}
		}
		return out
	}
	return reflect.DeepEqual(decode(a), decode(b))
}
