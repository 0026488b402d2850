package httpapi

import (
	"net/http"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/view"
)

// rewardHandlers serves /reward. The reminder mail for nextEligibleAt is
// scheduled by the store inside the claim's transaction.
type rewardHandlers struct{ s *Server }

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
	credit := res.Credit
	writeJSON(w, http.StatusOK, view.DailyReward{Eligible: true, Credit: &credit, NextEligibleAt: view.OptTime(res.NextEligibleAt)})
}
