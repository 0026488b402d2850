package jobs

import (
	"testing"
	"time"
)

// The sweep fires once a day at DailyMailHour UTC, whatever the zone of
// the clock it is given.
func TestDailyScheduleIsAFixedUTCHour(t *testing.T) {
	t.Parallel()
	d := dailyAt{DailyMailHour}
	tokyo := time.FixedZone("JST", 9*3600)
	for _, c := range []struct{ at, want time.Time }{
		{time.Date(2026, 12, 1, 0, 59, 0, 0, time.UTC), time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)},
		{time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC), time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)},
		{time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 1, 0, 0, 0, time.UTC)},
		{time.Date(2026, 12, 1, 9, 30, 0, 0, tokyo), time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)},
	} {
		if got := d.Next(c.at); !got.Equal(c.want) {
			t.Errorf("Next(%v) = %v, want %v", c.at, got, c.want)
		}
	}
}
