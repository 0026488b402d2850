package main

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestCreditsRejectsBadFlags(t *testing.T) {
	t.Parallel()
	for want, args := range map[string][]string{
		"--sub <uuid>": {"credits", "--add", "5"},
		"(n > 0)":      {"credits", "--sub", uuid.NewString(), "--add", "-3"},
		"not defined":  {"credits", "--bogus"},
	} {
		var out, errOut strings.Builder
		err := run(t.Context(), args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error()+errOut.String(), want) {
			t.Errorf("%v: error %v (stderr %q), want one mentioning %q", args, err, errOut.String(), want)
		}
	}
}

// TestCreditsCommand grants twice on a fresh SQLite database and reads the
// balance the command prints (sign-up bonus 30 in credit, grants in
// addonCredits).
func TestCreditsCommand(t *testing.T) {
	t.Setenv("KIRA_DATA_DIR", t.TempDir())
	t.Setenv("DATABASE_URL", "")
	sub := uuid.NewString()
	for _, want := range []string{"addonCredits 100", "addonCredits 125"} {
		n := "100"
		if want == "addonCredits 125" {
			n = "25"
		}
		var out, errOut strings.Builder
		if err := run(t.Context(), []string{"credits", "--sub", sub, "--add", n}, &out, &errOut); err != nil {
			t.Fatalf("credits: %v (%s)", err, errOut.String())
		}
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output %q, want %q", out.String(), want)
		}
	}
}
