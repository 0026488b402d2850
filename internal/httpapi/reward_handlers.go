package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/view"
)

// RewardReminder is told about each successful daily-reward claim, after
// its transaction committed, so it can schedule the "your credits are
// ready" mail for nextEligibleAt (API.md §3.9). It runs synchronously on a
// context that outlives the request's cancellation; keep it quick (enqueue
// a job). Its error is logged and never fails the claim: the credits are
// already granted.
//
// The mail arrives with a later issue; until then rewardReminder returns
// the no-op below. Wire a real one through Deps and rewardReminder.
type RewardReminder interface {
	DailyRewardClaimed(ctx context.Context, userID string, nextEligibleAt time.Time) error
}

// noopRewardReminder is the default: no reminder mail.
type noopRewardReminder struct{}

func (noopRewardReminder) DailyRewardClaimed(context.Context, string, time.Time) error { return nil }

// rewardReminder is the reminder the reward handlers use.
func (s *Server) rewardReminder() RewardReminder { return noopRewardReminder{} }

// rewardHandlers serves /reward.
type rewardHandlers struct {
	s      *Server
	remind RewardReminder
}

// Why a claim was refused, as the client shows it.
var rewardMessages = map[string]string{
	store.RewardNotFree:        "The daily top-up is for the free plan",
	store.RewardEnoughCredit:   "You already have 15 credits or more; the daily top-up refills balances below 15",
	store.RewardTooSoon:        "Today's free credits were already issued; come back at nextEligibleAt",
	store.RewardAlreadyClaimed: "Today's credits were already issued",
}

// daily answers POST /reward/daily. A refusal is a 200 with eligible:false.
func (h rewardHandlers) daily(w http.ResponseWriter, r *http.Request) {
	uid := userID(r)
	res, err := h.s.Store.ClaimDailyReward(r.Context(), uid)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	if !res.Eligible {
		writeJSON(w, http.StatusOK, view.DailyReward{Message: rewardMessages[res.Reason], NextEligibleAt: view.OptTime(res.NextEligibleAt)})
		return
	}
	if err := h.remind.DailyRewardClaimed(context.WithoutCancel(r.Context()), uid, *res.NextEligibleAt); err != nil {
		h.s.log.WarnContext(r.Context(), "daily reward reminder not scheduled", "user_id", uid, "err", err)
	}
	credit := res.Credit
	writeJSON(w, http.StatusOK, view.DailyReward{Eligible: true, Credit: &credit, NextEligibleAt: view.OptTime(res.NextEligibleAt)})
}
