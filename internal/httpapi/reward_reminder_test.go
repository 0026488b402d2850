package httpapi

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/view"
)

// recordingReminder remembers the claims it was told about.
type recordingReminder struct {
	mu    sync.Mutex
	users []string
	next  []time.Time
	err   error
}

func (r *recordingReminder) DailyRewardClaimed(_ context.Context, userID string, next time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users = append(r.users, userID)
	r.next = append(r.next, next)
	return r.err
}

func TestRewardReminderRunsAfterAGrantOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kira.db")
	st, err := store.Open(ctx, "", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })

	// A failing reminder must not undo or fail the grant.
	rem := &recordingReminder{err: errors.New("mail queue down")}
	h := rewardHandlers{s: New(Deps{Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}), remind: rem}
	id := uuid.NewString()
	if _, _, err := st.EnsureProfile(ctx, id, "a@example.com"); err != nil {
		t.Fatal(err)
	}
	claim := func() view.DailyReward {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/reward/daily", nil)
		h.daily(rec, req.WithContext(context.WithValue(req.Context(), viewerKey{}, viewer{UserID: id})))
		var v view.DailyReward
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &v) != nil {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		return v
	}
	if v := claim(); v.Eligible || len(rem.users) != 0 { // 30 sign-up credits
		t.Fatalf("refusal: %+v, reminders %v", v, rem.users)
	}
	if _, err := raw.Exec("UPDATE profiles SET credit = 1, last_credit_issued_at = ? WHERE id = ?",
		time.Now().Add(-25*time.Hour).UnixMicro(), id); err != nil {
		t.Fatal(err)
	}
	v := claim()
	if !v.Eligible || len(rem.users) != 1 || rem.users[0] != id || v.NextEligibleAt == nil || *v.NextEligibleAt != view.Time(rem.next[0]) {
		t.Fatalf("grant: %+v, reminders %v %v", v, rem.users, rem.next)
	}
	if v := claim(); v.Eligible || len(rem.users) != 1 {
		t.Fatalf("second claim: %+v, reminders %v", v, rem.users)
	}
}

func TestDefaultRewardReminderIsANoOp(t *testing.T) {
	t.Parallel()
	if err := New(Deps{}).rewardReminder().DailyRewardClaimed(context.Background(), "u", time.Now()); err != nil {
		t.Fatal(err)
	}
}
