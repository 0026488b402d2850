package runs

import "testing"

// FuzzParseEventID: a client's Last-Event-ID is parsed strictly — two
// unsigned decimals joined by "-" — without panicking, and an accepted id
// prints as one that parses back to the same position.
func FuzzParseEventID(f *testing.F) {
	for _, s := range []string{"1700000000000-0", "0-0", "18446744073709551615-18446744073709551615", "1-", "-1",
		"+1-2", " 1-2", "1-2-3", "01-2", "", "1700000000000-0\x00", "١-٢"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := parseEventID(s)
		if !ok {
			return
		}
		if back, ok := parseEventID(id.String()); !ok || back != id {
			t.Fatalf("%q → %v does not round-trip", s, id)
		}
		if id.compare(id) != 0 {
			t.Fatalf("%q: not equal to itself", s)
		}
	})
}
