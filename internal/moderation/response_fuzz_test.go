package moderation

import (
	"errors"
	"testing"
)

// FuzzDecodeResponse: any body either decodes to exactly one result whose
// verdict is consistent with its fields, or is an ErrUnavailable error;
// never a panic, never a silent pass of a flagged result.
func FuzzDecodeResponse(f *testing.F) {
	for _, seed := range []string{
		answer(map[string]bool{"sexual": true, CSAMCategory: false}, map[string]float64{"sexual": 0.9, CSAMCategory: 0.1}),
		answer(nil, map[string]float64{CSAMCategory: 0.5}),
		`{"results":[{"flagged":true}]}`,
		`{"results":[{"flagged":false,"categories":null,"category_scores":{"sexual/minors":null}}]}`,
		`{"results":[{"flagged":false},{"flagged":true}]}`,
		`{"results":"nope"}`, `[]`, `null`, ``, `{`, "\xff",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		results, err := decodeResponse(body, 1)
		if err != nil {
			if !errors.Is(err, ErrUnavailable) || results != nil {
				t.Fatalf("error %v with results %v", err, results)
			}
			return
		}
		if len(results) != 1 {
			t.Fatalf("%d results", len(results))
		}
		r := results[0]
		v := r.verdict(DefaultCSAMThreshold)
		if want := r.Categories[CSAMCategory] || r.Scores[CSAMCategory] >= DefaultCSAMThreshold; v.CSAM != want {
			t.Fatalf("csam %v, want %v for %+v", v.CSAM, want, r)
		}
		if *r.Flagged && !v.CSAM && !v.NSFW {
			t.Fatalf("a flagged result passed: %+v", r)
		}
		if (v.CSAM || v.NSFW) && len(v.Reasons) == 0 {
			t.Fatalf("a hit without a reason: %+v", r)
		}
	})
}
