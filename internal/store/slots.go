package store

import (
	"context"
	"time"
)

// Slot is one lease of work_slots (migration 0003). Holder names who
// holds it (internal/jobs writes the task and job ids); the column is
// called task_id.
type Slot struct {
	Scope      string
	N          int
	Holder     string
	LeaseUntil time.Time
}

// TakeSlot takes slot (scope, n) for holder until the given time. It
// succeeds when the slot is free, expired, or already held by holder (a
// retried job taking its own slot back); it reports false when another
// live holder has it. One conditional upsert, so two workers racing for a
// slot cannot both win.
func (s *Store) TakeSlot(ctx context.Context, scope string, n int, holder string, until time.Time) (bool, error) {
	var got string
	err := s.inTx(ctx, func(c conn) error {
		return c.row(ctx, `INSERT INTO work_slots (scope, n, task_id, lease_until) VALUES (?, ?, ?, ?)
			ON CONFLICT (scope, n) DO UPDATE SET task_id = excluded.task_id, lease_until = excluded.lease_until
			WHERE work_slots.task_id = excluded.task_id OR work_slots.lease_until < ?
			RETURNING task_id`, scope, n, holder, micros(until), micros(now())).Scan(&got)
	})
	if err = mapErr(err); err == ErrNotFound {
		return false, nil
	}
	return err == nil && got == holder, err
}

// RenewSlot extends holder's lease of (scope, n); false when it no longer
// holds it (the lease ran out and another took it).
func (s *Store) RenewSlot(ctx context.Context, scope string, n int, holder string, until time.Time) (bool, error) {
	res, err := s.write.ExecContext(ctx, rebind(s.dialect, `UPDATE work_slots SET lease_until = ?
		WHERE scope = ? AND n = ? AND task_id = ?`), micros(until), scope, n, holder)
	if err != nil {
		return false, mapErr(err)
	}
	k, _ := res.RowsAffected()
	return k == 1, nil
}

// ReleaseSlot frees (scope, n) if holder still holds it.
func (s *Store) ReleaseSlot(ctx context.Context, scope string, n int, holder string) error {
	_, err := s.write.ExecContext(ctx, rebind(s.dialect, "DELETE FROM work_slots WHERE scope = ? AND n = ? AND task_id = ?"),
		scope, n, holder)
	return mapErr(err)
}

// ClaimExpiredSlot deletes slot (scope, n) if it is still held by holder
// with its lease run out before at; true for the one caller that did (the
// reaper that hands its task on), so the task is handed on once.
func (s *Store) ClaimExpiredSlot(ctx context.Context, sl Slot, at time.Time) (bool, error) {
	res, err := s.write.ExecContext(ctx, rebind(s.dialect, `DELETE FROM work_slots
		WHERE scope = ? AND n = ? AND task_id = ? AND lease_until < ?`), sl.Scope, sl.N, sl.Holder, micros(at))
	if err != nil {
		return false, mapErr(err)
	}
	k, _ := res.RowsAffected()
	return k == 1, nil
}

// ExpiredSlots lists slots whose lease ran out before at: their worker
// died (or lost its database) mid-task.
func (s *Store) ExpiredSlots(ctx context.Context, at time.Time) ([]Slot, error) {
	rows, err := s.reader().query(ctx, `SELECT scope, n, task_id, lease_until FROM work_slots
		WHERE lease_until < ? ORDER BY lease_until LIMIT 100`, micros(at))
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []Slot
	for rows.Next() {
		var sl Slot
		var until int64
		if err := rows.Scan(&sl.Scope, &sl.N, &sl.Holder, &until); err != nil {
			return nil, err
		}
		sl.LeaseUntil = fromMicros(until)
		out = append(out, sl)
	}
	return out, rows.Err()
}
