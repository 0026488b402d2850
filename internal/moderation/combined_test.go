package moderation

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

func TestCombinedPrecedence(t *testing.T) {
	t.Parallel()
	listed := scene(42, 200, 200)
	local := NewLocal(Lists{ImageHashes: []uint64{PHash(listed)}, BlockedTerms: []string{"badword"}, NSFWTerms: []string{"nude"}}, DefaultMaxDistance)
	clean := answer(map[string]bool{"sexual": false}, map[string]float64{CSAMCategory: 0.01})
	nsfw := answer(map[string]bool{"sexual": true}, map[string]float64{"sexual": 0.9})
	csam := answer(map[string]bool{CSAMCategory: true}, map[string]float64{CSAMCategory: 0.9})
	ctx := context.Background()

	cases := []struct {
		name         string
		text         string // checked as text when set, else the image
		status       int
		body         string
		csam, nsfw   bool
		err, remoted bool
	}{
		{"both clean", "a fox", 200, clean, false, false, false, true},
		{"remote nsfw", "a fox", 200, nsfw, false, true, false, true},
		{"remote csam", "a fox", 200, csam, true, false, false, true},
		{"local nsfw, remote clean", "a nude fox", 200, clean, false, true, false, true},
		{"local nsfw, remote csam", "a nude fox", 200, csam, true, true, false, true},
		{"local csam text is final", "badword", 200, clean, true, false, false, false},
		{"local csam survives an outage", "badword", 500, "", true, false, false, false},
		{"local csam image is final", "", 503, "", true, false, false, false},
		{"outage is an error", "a fox", 500, "", false, false, true, true},
		{"garbage is an error", "a fox", 200, "{", false, false, true, true},
		{"outage after local nsfw is an error", "a nude fox", 429, "", false, true, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeProvider(t, fixed(tc.status, tc.body))
			c := NewCombined(local, newTestHTTP(t, f, HTTPConfig{}))
			var v Verdict
			var err error
			if tc.text != "" {
				v, err = c.CheckText(ctx, tc.text)
			} else {
				v, err = c.CheckImage(ctx, listed)
			}
			if tc.err != errors.Is(err, ErrUnavailable) || (!tc.err && err != nil) {
				t.Fatalf("err %v, want error=%v", err, tc.err)
			}
			if v.CSAM != tc.csam || v.NSFW != tc.nsfw {
				t.Fatalf("%+v, want csam=%v nsfw=%v", v, tc.csam, tc.nsfw)
			}
			if got := f.count() > 0; got != tc.remoted {
				t.Fatalf("remote asked=%v, want %v", got, tc.remoted)
			}
		})
	}
}

func TestCombinedImageReachesRemote(t *testing.T) {
	t.Parallel()
	f := newFakeProvider(t, fixed(http.StatusOK, answer(map[string]bool{"sexual": true}, nil)))
	c := NewCombined(NewLocal(Lists{}, 0), newTestHTTP(t, f, HTTPConfig{}))
	v, err := c.CheckImage(context.Background(), scene(5, 100, 80))
	if err != nil || !v.NSFW || v.CSAM {
		t.Fatalf("%+v %v", v, err)
	}
	if p := f.last().body.Input; len(p) != 1 || p[0].Type != "image_url" {
		t.Fatalf("input %+v", p)
	}
}

func TestCombinedLocalError(t *testing.T) {
	t.Parallel()
	f := newFakeProvider(t, fixed(http.StatusOK, answer(nil, nil)))
	c := NewCombined(NewLocal(Lists{}, 0), newTestHTTP(t, f, HTTPConfig{}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.CheckText(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("%v", err)
	}
	if f.count() != 0 {
		t.Fatal("remote asked after the local check failed")
	}
}
