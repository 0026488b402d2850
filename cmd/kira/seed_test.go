package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestSeedRejectsBadFlags: flag problems are reported before any database
// or data directory is touched.
func TestSeedRejectsBadFlags(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"--users":     {"seed", "--users", "1"},
		"--posts":     {"seed", "--posts", "-5"},
		"--end":       {"seed", "--end", "yesterday"},
		"not defined": {"seed", "--bogus"},
	}
	for want, args := range cases {
		var out, errOut bytes.Buffer
		err := run(t.Context(), args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error()+errOut.String(), want) {
			t.Errorf("%v: error %v (stderr %q), want one mentioning %q", args, err, errOut.String(), want)
		}
	}
}
