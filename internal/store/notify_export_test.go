package store

import (
	"context"
	"time"
)

// QueueDailyMailsPagedForTest is QueueDailyMails with a small page, so a
// test walks several pages without thousands of users.
func (s *Store) QueueDailyMailsPagedForTest(ctx context.Context, t time.Time, page int) (int, error) {
	return s.queueDailyMails(ctx, t, page)
}
