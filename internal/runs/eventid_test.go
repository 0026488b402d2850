package runs

import "testing"

func TestEventIDs(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]eventID{
		"0-0":                    {0, 0},
		"1700000000000-3":        {1700000000000, 3},
		"18446744073709551615-0": {^uint64(0), 0},
		"007-1":                  {7, 1}, // Redis accepts leading zeros too
		"5-18446744073709551615": {5, ^uint64(0)},
	} {
		got, ok := parseEventID(in)
		if !ok || got != want {
			t.Errorf("parseEventID(%q) = %v %v, want %v", in, got, ok, want)
		}
	}
	if s := (eventID{12, 3}).String(); s != "12-3" {
		t.Errorf("String = %q", s)
	}
	// next follows XADD *: a new millisecond starts at 0, a clock that
	// stands still or steps back continues the sequence.
	cases := []struct {
		last, want eventID
		now        uint64
	}{
		{eventID{10, 4}, eventID{11, 0}, 11},
		{eventID{10, 4}, eventID{10, 5}, 10},
		{eventID{10, 4}, eventID{10, 5}, 9},
		{eventID{}, eventID{7, 0}, 7},
	}
	for _, c := range cases {
		if got := c.last.next(c.now); got != c.want || got.compare(c.last) <= 0 {
			t.Errorf("%v.next(%d) = %v, want %v", c.last, c.now, got, c.want)
		}
	}
}
