package httpapi_test

import (
	"net/url"
	"testing"

	"github.com/kira-art/kira/content"
)

func TestAuthBackgroundsNeedNoToken(t *testing.T) {
	t.Parallel()
	e := newCMSEnv(t)
	var body struct {
		Images []struct{ URL, Blurhash string }
	}
	r := expect(t, e.do("GET", "/user/authBg", "", nil), 200)
	r.json(t, &body)
	if len(body.Images) == 0 {
		t.Fatal("no backgrounds")
	}
	for _, img := range body.Images {
		if u, err := url.Parse(img.URL); err != nil || u.Scheme != "https" || !content.ValidBlurhash(img.Blurhash) {
			t.Fatalf("background %+v", img)
		}
	}
	// An invalid token is ignored on a public route.
	expect(t, e.do("GET", "/user/authBg", "not-a-token", nil), 200)
}

func TestReferralInfo(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		var info struct {
			ReferralCode  string
			InvitedCount  int
			EarnedCredits int
		}
		expect(t, e.do("GET", "/user/referral-info", u.Token, nil), 200).json(t, &info)
		if len(info.ReferralCode) != 8 || info.InvitedCount != 0 || info.EarnedCredits != 0 {
			t.Fatalf("referral info %+v", info)
		}
		var again struct{ ReferralCode string }
		expect(t, e.do("GET", "/user/referral-info", u.Token, nil), 200).json(t, &again)
		if again.ReferralCode != info.ReferralCode {
			t.Fatal("referral code changed between calls")
		}
		expectError(t, e.do("GET", "/user/referral-info", "", nil), 401, "Unauthorized")
	})
}
