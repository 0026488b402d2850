package realtime_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kira-art/kira/internal/realtime"
)

const (
	userA  = "3b241101-e2bb-4255-8caf-4136c566a962"
	thread = "6f1c3a56-0d7e-4a53-9a55-8b2b07c1e7f0"
)

func TestUserChannelRoundTrip(t *testing.T) {
	t.Parallel()
	ch := realtime.UserChannel(userA, thread)
	if want := userA + "/" + thread + "#" + userA; ch != want {
		t.Fatalf("UserChannel = %q, want %q", ch, want)
	}
	u, th, err := realtime.ParseUserChannel(ch)
	if err != nil || u != userA || th != thread {
		t.Fatalf("ParseUserChannel = %q, %q, %v", u, th, err)
	}
}

func TestParseUserChannelRefuses(t *testing.T) {
	t.Parallel()
	for _, ch := range []string{
		"",
		"news",
		userA + "/" + thread,
		userA + "/" + thread + "#",
		userA + "/" + thread + "#" + thread,
		"/" + thread + "#",
		userA + "#" + userA,
		userA + "/" + strings.ToUpper(thread) + "#" + userA,
		userA + "/{" + thread + "}#" + userA,
		userA + "/urn:uuid:" + thread + "#" + userA,
		userA + "/" + strings.ReplaceAll(thread, "-", "") + "#" + userA,
		userA + "/" + thread + "/x#" + userA,
		userA + "/" + thread + "#" + userA + "#" + userA,
		"a b/" + thread + "#a b",
		"a,b/" + thread + "#a,b",
		"a\x00/" + thread + "#a\x00",
		strings.Repeat("u", 101) + "/" + thread + "#" + strings.Repeat("u", 101),
	} {
		if _, _, err := realtime.ParseUserChannel(ch); !errors.Is(err, realtime.ErrBadChannel) {
			t.Errorf("%q: err %v, want ErrBadChannel", ch, err)
		}
	}
}

// FuzzParseUserChannel checks that whatever is accepted is exactly the
// channel UserChannel builds from the parts, with a canonical thread id.
func FuzzParseUserChannel(f *testing.F) {
	f.Add(realtime.UserChannel(userA, thread))
	f.Add(userA + "/" + thread)
	f.Add("x/" + thread + "#x")
	f.Add("a/b#a")
	f.Add("#/#")
	f.Fuzz(func(t *testing.T, ch string) {
		u, th, err := realtime.ParseUserChannel(ch)
		if err != nil {
			if !errors.Is(err, realtime.ErrBadChannel) {
				t.Fatalf("error %v does not wrap ErrBadChannel", err)
			}
			return
		}
		if got := realtime.UserChannel(u, th); got != ch {
			t.Fatalf("parts %q, %q rebuild %q, not %q", u, th, got, ch)
		}
		if len(th) != 36 || strings.ToLower(th) != th || strings.ContainsAny(u, "/#, {}") {
			t.Fatalf("accepted odd parts %q, %q", u, th)
		}
	})
}
