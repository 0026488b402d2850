package httpapi_test

import (
	"context"
	"encoding/json"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
)

// TestMeasureTaskCommitToCompleted is a measurement, not a check: with
// KIRA_MEASURE=1 it commits tasks (the version row, the task and its job
// in one transaction, as a run's end does) and logs the time from commit
// to the completed message on the owner's websocket, per kind and store.
// Numbers: docs/benchmarks.md, "Background tasks".
//
//	KIRA_MEASURE=1 go test ./internal/httpapi/ -run MeasureTask -v
func TestMeasureTaskCommitToCompleted(t *testing.T) {
	if os.Getenv("KIRA_MEASURE") == "" {
		t.Skip("a measurement: set KIRA_MEASURE=1")
	}
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.newUser()
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200)
		if err := e.store.SetPlan(ctx, u.ID, "pro"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.store.AddCredits(ctx, u.ID, 10000, "measure"); err != nil {
			t.Fatal(err)
		}
		thread := e.newThread(u, "hello")
		pubs := e.subscribeThread(u, thread)
		for _, kind := range []string{store.MediaVideo, store.MediaAudio} {
			var took []time.Duration
			for range 5 {
				id := uuid.NewString()
				task := store.MediaTask{ID: id, Kind: kind, Status: store.TaskPending, Provider: "local",
					Prompt: "waves at sunset", Params: []byte(`{"duration":5,"ratio":"16:9"}`)}
				if _, err := e.store.SaveVersion(ctx, u.ID, thread, "first", nil, []store.MediaTask{task}); err != nil {
					t.Fatal(err)
				}
				committed := time.Now()
				waitCompleted(t, pubs, id)
				took = append(took, time.Since(committed))
			}
			sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
			t.Logf("%s %s: commit → completed on the websocket: min %s, median %s, max %s",
				e.store.Dialect(), kind, took[0].Round(time.Millisecond), took[len(took)/2].Round(time.Millisecond),
				took[len(took)-1].Round(time.Millisecond))
		}
	})
}

func waitCompleted(t *testing.T, pubs <-chan []byte, id string) {
	t.Helper()
	deadline := time.After(2 * time.Minute)
	for {
		select {
		case raw := <-pubs:
			var ev taskEvent
			if json.Unmarshal(raw, &ev) == nil && ev.TaskID == id && ev.Status == "completed" {
				return
			}
		case <-deadline:
			t.Fatalf("task %s not completed", id)
		}
	}
}
