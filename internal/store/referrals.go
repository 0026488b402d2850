package store

import (
	"context"
	"errors"
	"fmt"
)

// LedgerReasonReferral marks credit_ledger rows that reward a user for
// someone they invited; ReferralInfo sums them. Whatever grants referral
// bonuses must write its rows with this reason.
const LedgerReasonReferral = "referral"

// ReferralInfo is what GET /user/referral-info shows.
type ReferralInfo struct {
	Code          string
	InvitedCount  int
	EarnedCredits int
}

// GetReferralInfo returns the user's referral code, how many profiles name
// the user in referred_by, and the credits the user's ledger holds with
// reason LedgerReasonReferral (never negative). A profile without a code
// (one made outside EnsureProfile) gets one here.
func (s *Store) GetReferralInfo(ctx context.Context, userID string) (ReferralInfo, error) {
	var info ReferralInfo
	var earned int64
	err := s.reader().row(ctx, `SELECT COALESCE(p.referral_code, ''),
			(SELECT COUNT(*) FROM profiles r WHERE r.referred_by = p.id),
			(SELECT COALESCE(SUM(l.credit_delta + l.addon_delta), 0) FROM credit_ledger l
				WHERE l.user_id = p.id AND l.reason = ?)
		FROM profiles p WHERE p.id = ?`, LedgerReasonReferral, userID).Scan(&info.Code, &info.InvitedCount, &earned)
	if err != nil {
		return ReferralInfo{}, mapErr(err)
	}
	info.EarnedCredits = int(max(earned, 0))
	if info.Code == "" {
		if info.Code, err = s.assignReferralCode(ctx, userID); err != nil {
			return ReferralInfo{}, err
		}
	}
	return info, nil
}

// assignReferralCode gives a code to a profile that has none. A collision
// with another user's code (unique column) is retried with a new code; a
// concurrent assignment for the same user keeps the first code.
func (s *Store) assignReferralCode(ctx context.Context, userID string) (string, error) {
	for range 5 {
		var code string
		err := s.inTx(ctx, func(c conn) error {
			if _, err := c.exec(ctx, "UPDATE profiles SET referral_code = ? WHERE id = ? AND (referral_code IS NULL OR referral_code = '')",
				newReferralCode(), userID); err != nil {
				return mapErr(err)
			}
			return mapErr(c.row(ctx, "SELECT referral_code FROM profiles WHERE id = ?", userID).Scan(&code))
		})
		if errors.Is(err, ErrConflict) {
			continue
		}
		return code, err
	}
	return "", fmt.Errorf("assign referral code to %s: codes kept colliding", userID)
}
