package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Daily reward rules (API.md §3.9): a free-plan user whose credit is below
// DailyRewardCredit and whose last issue is at least DailyRewardInterval
// ago may top the balance up to DailyRewardCredit.
const (
	DailyRewardCredit   = 15
	DailyRewardInterval = 24 * time.Hour
	// LedgerReasonDaily marks the top-up's ledger rows.
	LedgerReasonDaily = "daily_reward"
)

// Why a claim was refused.
const (
	RewardNotFree        = "not_free"        // the plan is not free
	RewardEnoughCredit   = "enough_credit"   // credit is already ≥ DailyRewardCredit
	RewardTooSoon        = "too_soon"        // less than DailyRewardInterval since the last issue
	RewardAlreadyClaimed = "already_claimed" // today's ledger key exists (clock moved back)
)

// DailyReward is the outcome of a claim. NextEligibleAt is nil when the
// next claim does not depend on time (e.g. a paid plan).
type DailyReward struct {
	Eligible       bool
	Credit         int    // the balance after the claim
	Reason         string // why not eligible (Reward* constants)
	NextEligibleAt *time.Time
}

// maxClaimAttempts bounds the retries when the balance changes between the
// read and the conditional update (a concurrent claim or charge).
const maxClaimAttempts = 8

// ClaimDailyReward tops the user's credit up to DailyRewardCredit when the
// rules allow it. The grant is one conditional UPDATE that re-checks the
// rules and the balance it read, so of concurrent claims exactly one wins;
// the ledger row (key daily:<user>:<UTC date>, delta = what was added)
// commits in the same transaction, and so does the reminder mail due at
// nextEligibleAt for an opted-in user with an email. ErrNotFound for an unknown user.
func (s *Store) ClaimDailyReward(ctx context.Context, userID string) (DailyReward, error) {
	for range maxClaimAttempts {
		out, retry, err := s.tryClaim(ctx, userID)
		if !retry {
			return out, err
		}
	}
	return DailyReward{}, fmt.Errorf("claim daily reward %s: balance kept changing", userID)
}

func (s *Store) tryClaim(ctx context.Context, userID string) (out DailyReward, retry bool, err error) {
	err = s.inTx(ctx, func(c conn) error {
		var plan, email string
		var credit int
		var issued *int64
		var notify bool
		err := c.row(ctx, `SELECT plan, credit, last_credit_issued_at, is_open_notification, COALESCE(email, '')
			FROM profiles WHERE id = ?`, userID).Scan(&plan, &credit, &issued, &notify, &email)
		if err != nil {
			return mapErr(err)
		}
		t := now()
		if out = refusal(plan, credit, optMicros(issued), t); out.Reason != "" {
			return nil
		}
		cutoff := micros(t.Add(-DailyRewardInterval))
		res, err := c.exec(ctx, `UPDATE profiles SET credit = ?, last_credit_issued_at = ?, updated_at = ?
			WHERE id = ? AND plan = 'free' AND credit = ? AND credit < ?
				AND (last_credit_issued_at IS NULL OR last_credit_issued_at <= ?)`,
			DailyRewardCredit, micros(t), micros(t), userID, credit, DailyRewardCredit, cutoff)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			retry = true // someone else changed the row: decide again on fresh data
			return errRetry
		}
		key := "daily:" + userID + ":" + t.Format(time.DateOnly)
		inserted, err := insertLedger(ctx, c, userID, key, DailyRewardCredit-credit, 0, LedgerReasonDaily, "")
		if err != nil {
			return err
		}
		if !inserted {
			// Only possible if last_credit_issued_at moved back (manual edit):
			// one top-up per UTC day stays true, so undo the update.
			return errAlreadyClaimed
		}
		next := t.Add(DailyRewardInterval)
		if notify && email != "" {
			// Tomorrow's "your credits are ready" mail commits with the claim;
			// the mail re-checks opt-in and eligibility when it runs.
			if _, err := enqueueAt(ctx, c, dailyMail(userID, next), next); err != nil {
				return err
			}
		}
		out = DailyReward{Eligible: true, Credit: DailyRewardCredit, NextEligibleAt: &next}
		return nil
	})
	switch {
	case errors.Is(err, errRetry):
		return DailyReward{}, true, nil
	case errors.Is(err, errAlreadyClaimed):
		return DailyReward{Reason: RewardAlreadyClaimed}, false, nil
	}
	return out, false, err
}

var errAlreadyClaimed = errors.New("daily reward already claimed today")

// refusal applies the rules to a profile read at t; a zero Reason means
// eligible.
func refusal(plan string, credit int, issued *time.Time, t time.Time) DailyReward {
	var next *time.Time
	if issued != nil {
		if n := issued.Add(DailyRewardInterval); n.After(t) {
			next = &n
		}
	}
	switch {
	case plan != "free":
		return DailyReward{Reason: RewardNotFree, Credit: credit}
	case credit >= DailyRewardCredit:
		return DailyReward{Reason: RewardEnoughCredit, Credit: credit, NextEligibleAt: next}
	case next != nil:
		return DailyReward{Reason: RewardTooSoon, Credit: credit, NextEligibleAt: next}
	}
	return DailyReward{Credit: credit}
}
