package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/app"
	"github.com/kira-art/kira/internal/store/storetest"
)

// TestShutdownDrains is the drain in one process (internal/cluster runs it
// across processes): once Shutdown begins, /ready is 503 and a new run is
// refused 503 draining with Retry-After while the listener still serves;
// a run outliving the drain is stopped, its viewer's stream ends with
// finish, and its partial message is stored as stopped.
func TestShutdownDrains(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	a, err := app.New(context.Background(), testConfig(t, map[string]string{"LLM_TOKEN_DELAY": "300ms"}), quiet, app.WithStore(st))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	base := "http://" + a.Addr()
	uid := uuid.NewString()
	tok, err := a.API().DevKey.Mint(uid, "", time.Hour, "")
	if err != nil {
		t.Fatal(err)
	}
	send := func(method, path string, body any) *http.Response {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	msg := func(id string) map[string]any {
		return map[string]any{"id": id, "role": "user", "parts": []any{map[string]any{"type": "text", "text": "draw a fox"}}}
	}
	newThread := func() string {
		resp := send("POST", "/thread/", map[string]any{"message": msg("first")})
		defer resp.Body.Close()
		var th struct{ ID string }
		if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&th) != nil {
			t.Fatalf("thread: %d", resp.StatusCode)
		}
		return th.ID
	}
	thread, other := newThread(), newThread()
	run := send("POST", "/agent/streaming", map[string]any{"threadId": thread, "messages": []any{msg("m1")}})
	if run.StatusCode != 200 {
		t.Fatalf("run: %d", run.StatusCode)
	}
	viewer := bufio.NewScanner(run.Body)

	// ~19 tokens of 300ms outlive the drain's 2s (of the 3s deadline).
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Shutdown(ctx) }()

	deadline := time.Now().Add(time.Second)
	for {
		resp, err := http.Get(base + "/ready")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 503 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("/ready still 200 during the drain")
		}
		time.Sleep(10 * time.Millisecond)
	}
	refused := send("POST", "/agent/streaming", map[string]any{"threadId": other, "messages": []any{msg("m1")}})
	body, _ := io.ReadAll(refused.Body)
	refused.Body.Close()
	if refused.StatusCode != 503 || refused.Header.Get("Retry-After") == "" || !strings.Contains(string(body), `"error":"draining"`) {
		t.Fatalf("new run while draining: %d Retry-After %q %s", refused.StatusCode, refused.Header.Get("Retry-After"), body)
	}

	var last string
	for viewer.Scan() {
		if data, ok := strings.CutPrefix(viewer.Text(), "data: "); ok && data != "[DONE]" {
			last = data
		}
	}
	run.Body.Close()
	if !strings.Contains(last, `"type":"finish"`) || !strings.Contains(last, `"stopped"`) {
		t.Fatalf("the drained run's last chunk %s, want finish with status stopped", last)
	}
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	rows, err := st.ListMessages(context.Background(), thread)
	if err != nil {
		t.Fatal(err)
	}
	stored := rows[len(rows)-1]
	if stored.Role != "assistant" || !strings.Contains(string(stored.Body), `"status":"stopped"`) {
		t.Fatalf("stored %s %s, want the partial assistant message, stopped", stored.Role, stored.Body)
	}
}
