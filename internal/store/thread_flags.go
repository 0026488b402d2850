package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
)

// AddThreadFlag adds flag to a thread's flags (the moderation job marks a
// thread "nsfw"); a flag already there is a no-op, a missing thread
// ErrNotFound. The update is a compare-and-swap on the value read, so two
// concurrent adds of different flags both land without a row lock (which
// SQLite and Postgres spell differently). updated_at is left alone: a
// flag is not activity, and the thread list is ordered by it.
func (s *Store) AddThreadFlag(ctx context.Context, threadID, flag string) error {
	for range 10 {
		var done bool
		err := s.inTx(ctx, func(c conn) error {
			var raw string
			if err := c.row(ctx, "SELECT flags FROM threads WHERE id = ?", threadID).Scan(&raw); err != nil {
				return mapErr(err)
			}
			var flags []string
			if err := json.Unmarshal([]byte(raw), &flags); err != nil {
				return fmt.Errorf("thread %s flags: %w", threadID, err)
			}
			if slices.Contains(flags, flag) {
				done = true
				return nil
			}
			next, err := json.Marshal(append(flags, flag))
			if err != nil {
				return err
			}
			res, err := c.exec(ctx, "UPDATE threads SET flags = ? WHERE id = ? AND flags = ?", string(next), threadID, raw)
			if err != nil {
				return mapErr(err)
			}
			n, err := res.RowsAffected()
			done = n == 1
			return err
		})
		if err != nil || done {
			return err
		}
		// The flags changed (or the thread went) in between: read again.
	}
	return fmt.Errorf("thread %s flags: too many concurrent updates", threadID)
}
