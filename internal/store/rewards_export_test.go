package store

import (
	"context"
	"time"
)

// SetCreditStateForTest puts a profile into a plan/credit/issue-time state
// no endpoint produces directly (e.g. last issued 25 hours ago).
func (s *Store) SetCreditStateForTest(ctx context.Context, userID, plan string, credit int, issued *time.Time) error {
	var at *int64
	if issued != nil {
		v := micros(*issued)
		at = &v
	}
	_, err := s.write.ExecContext(ctx, rebind(s.dialect, "UPDATE profiles SET plan = ?, credit = ?, last_credit_issued_at = ? WHERE id = ?"),
		plan, credit, at, userID)
	return err
}

// SetReferredByForTest records that userID signed up with referrerID's code.
func (s *Store) SetReferredByForTest(ctx context.Context, userID, referrerID string) error {
	_, err := s.write.ExecContext(ctx, rebind(s.dialect, "UPDATE profiles SET referred_by = ? WHERE id = ?"), referrerID, userID)
	return err
}

// AddLedgerForTest appends a ledger row (e.g. a referral bonus).
func (s *Store) AddLedgerForTest(ctx context.Context, userID, key string, credit, addon int, reason string) error {
	_, err := insertLedger(ctx, conn{q: s.write, d: s.dialect}, userID, key, credit, addon, reason, "")
	return err
}

// ClearReferralCodeForTest removes a profile's code, as rows made outside
// EnsureProfile (imports, seeds) may lack one.
func (s *Store) ClearReferralCodeForTest(ctx context.Context, userID string) error {
	_, err := s.write.ExecContext(ctx, rebind(s.dialect, "UPDATE profiles SET referral_code = NULL WHERE id = ?"), userID)
	return err
}

// LedgerDeltaForTest reads the credit delta of one ledger row.
func (s *Store) LedgerDeltaForTest(ctx context.Context, key string) (int, error) {
	var d int
	err := s.read.QueryRowContext(ctx, rebind(s.dialect, "SELECT credit_delta FROM credit_ledger WHERE entry_key = ?"), key).Scan(&d)
	return d, mapErr(err)
}
