package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// ErrInsufficientCredits means a charge would make a balance negative.
var ErrInsufficientCredits = errors.New("insufficient credits")

// Charge is one spend of credits, identified by a unique key (tool + task
// or image id) so a retried charge never spends twice.
type Charge struct {
	UserID string
	Key    string
	Amount int
	Reason string
	RefID  string
}

// ChargeResult tells how a charge was split and whether it was new.
type ChargeResult struct {
	FromCredit, FromAddon int
	AlreadyCharged        bool
}

// maxChargeAttempts bounds the optimistic retry when balances change
// between read and conditional update (concurrent charges of one user).
const maxChargeAttempts = 8

// ChargeCredits spends c.Amount, `credit` first then `addonCredits`, never
// making either negative, and records a ledger row under c.Key. A key seen
// before is a no-op (AlreadyCharged).
func (s *Store) ChargeCredits(ctx context.Context, c Charge) (ChargeResult, error) {
	for range maxChargeAttempts {
		res, retry, err := s.tryCharge(ctx, c)
		if !retry {
			return res, err
		}
	}
	return ChargeResult{}, fmt.Errorf("charge %s: balance kept changing", c.Key)
}

func (s *Store) tryCharge(ctx context.Context, c Charge) (res ChargeResult, retry bool, err error) {
	err = s.inTx(ctx, func(cn conn) error {
		var n int
		if err := cn.row(ctx, "SELECT COUNT(*) FROM credit_ledger WHERE entry_key = ?", c.Key).Scan(&n); err != nil {
			return mapErr(err)
		}
		if n > 0 {
			res.AlreadyCharged = true
			return nil
		}
		var credit, addon int
		if err := cn.row(ctx, "SELECT credit, addon_credits FROM profiles WHERE id = ?", c.UserID).Scan(&credit, &addon); err != nil {
			return mapErr(err)
		}
		if credit+addon < c.Amount {
			return ErrInsufficientCredits
		}
		res.FromCredit = min(credit, c.Amount)
		res.FromAddon = c.Amount - res.FromCredit
		upd, err := cn.exec(ctx, `UPDATE profiles SET credit = credit - ?, addon_credits = addon_credits - ?, updated_at = ?
			WHERE id = ? AND credit = ? AND addon_credits = ?`, res.FromCredit, res.FromAddon, micros(now()), c.UserID, credit, addon)
		if err != nil {
			return mapErr(err)
		}
		if k, _ := upd.RowsAffected(); k == 0 {
			retry = true
			return errRetry
		}
		inserted, err := insertLedger(ctx, cn, c.UserID, c.Key, -res.FromCredit, -res.FromAddon, c.Reason, c.RefID)
		if err == nil && !inserted {
			return ErrConflict // a concurrent charge with the same key won: undo ours
		}
		return err
	})
	if errors.Is(err, errRetry) {
		return ChargeResult{}, true, nil
	}
	if errors.Is(err, ErrConflict) { // a concurrent charge with the same key won
		return ChargeResult{AlreadyCharged: true}, false, nil
	}
	return res, false, err
}

var errRetry = errors.New("retry")

// RefundCredits returns what the charge under chargeKey took, to the same
// buckets, once: the refund's own ledger key is "refund:"+chargeKey. It
// reports false when there was nothing to refund (never charged, or
// already refunded).
func (s *Store) RefundCredits(ctx context.Context, userID, chargeKey, reason string) (bool, error) {
	refunded := false
	err := s.inTx(ctx, func(cn conn) error {
		var dc, da int
		err := cn.row(ctx, "SELECT credit_delta, addon_delta FROM credit_ledger WHERE entry_key = ? AND user_id = ?", chargeKey, userID).Scan(&dc, &da)
		if errors.Is(mapErr(err), ErrNotFound) {
			return nil
		} else if err != nil {
			return mapErr(err)
		}
		inserted, err := insertLedger(ctx, cn, userID, "refund:"+chargeKey, -dc, -da, reason, chargeKey)
		if err != nil || !inserted {
			return err
		}
		if _, err := cn.exec(ctx, `UPDATE profiles SET credit = credit + ?, addon_credits = addon_credits + ?, updated_at = ?
			WHERE id = ?`, -dc, -da, micros(now()), userID); err != nil {
			return mapErr(err)
		}
		refunded = true
		return nil
	})
	return refunded, err
}

// insertLedger appends a ledger row; false when the key already exists
// (ON CONFLICT keeps a Postgres transaction usable, unlike a failed insert).
func insertLedger(ctx context.Context, cn conn, userID, key string, dCredit, dAddon int, reason, ref string) (bool, error) {
	res, err := cn.exec(ctx, `INSERT INTO credit_ledger (id, user_id, entry_key, credit_delta, addon_delta, reason, ref_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entry_key) DO NOTHING`,
		uuid.NewString(), userID, key, dCredit, dAddon, reason, nullString(ref), micros(now()))
	if err != nil {
		return false, mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// AddCredits grants n credits to userID's addonCredits (which never reset)
// with a ledger row of its own, and returns the new addonCredits and
// credit balances. Operators and tests use it; plans' monthly grants
// belong to billing.
func (s *Store) AddCredits(ctx context.Context, userID string, n int, reason string) (addon, credit int, err error) {
	if n <= 0 {
		return 0, 0, fmt.Errorf("add credits: %d is not positive", n)
	}
	err = s.inTx(ctx, func(cn conn) error {
		res, err := cn.exec(ctx, "UPDATE profiles SET addon_credits = addon_credits + ?, updated_at = ? WHERE id = ?",
			n, micros(now()), userID)
		if err != nil {
			return mapErr(err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return ErrNotFound
		}
		if _, err := insertLedger(ctx, cn, userID, "grant:"+uuid.NewString(), 0, n, reason, ""); err != nil {
			return err
		}
		return mapErr(cn.row(ctx, "SELECT addon_credits, credit FROM profiles WHERE id = ?", userID).Scan(&addon, &credit))
	})
	return addon, credit, err
}
