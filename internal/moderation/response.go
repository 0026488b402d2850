package moderation

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// CSAMCategory is the moderation API category whose score decides a CSAM
// verdict.
const CSAMCategory = "sexual/minors"

// result is one entry of the moderation API's "results" array. Categories
// and scores are maps, not structs, so categories the provider adds later
// still count (an unknown flagged category is an NSFW verdict).
type result struct {
	Flagged    *bool              `json:"flagged"`
	Categories map[string]bool    `json:"categories"`
	Scores     map[string]float64 `json:"category_scores"`
}

type response struct {
	Results []result `json:"results"`
}

// decodeResponse parses a moderation response body and checks it holds
// exactly want results, each with a "flagged" field: anything else is a
// provider (or proxy) speaking something other than this API, and must not
// be read as "nothing flagged".
func decodeResponse(body []byte, want int) ([]result, error) {
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%w: malformed response: %w", ErrUnavailable, err)
	}
	if len(r.Results) != want {
		return nil, fmt.Errorf("%w: %d results for %d inputs", ErrUnavailable, len(r.Results), want)
	}
	for i, res := range r.Results {
		if res.Flagged == nil {
			return nil, fmt.Errorf("%w: result %d has no \"flagged\" field", ErrUnavailable, i)
		}
	}
	return r.Results, nil
}

// verdict maps one result to a Verdict: a sexual/minors score at or above
// csamThreshold, or that category flagged, is CSAM; any other flagged
// category (or an overall flag naming none) is NSFW.
func (r result) verdict(csamThreshold float64) Verdict {
	var v Verdict
	if score, ok := r.Scores[CSAMCategory]; ok && score >= csamThreshold {
		v.CSAM = true
		v.Reasons = append(v.Reasons, fmt.Sprintf("moderation API: %s score %.3f ≥ %.3f", CSAMCategory, score, csamThreshold))
	}
	if r.Categories[CSAMCategory] && !v.CSAM {
		v.CSAM = true
		v.Reasons = append(v.Reasons, "moderation API: flagged "+CSAMCategory)
	}
	var others []string
	for _, c := range slices.Sorted(maps.Keys(r.Categories)) {
		if r.Categories[c] && c != CSAMCategory {
			others = append(others, fmt.Sprintf("%s (%.3f)", c, r.Scores[c]))
		}
	}
	if len(others) > 0 {
		v.NSFW = true
		v.Reasons = append(v.Reasons, "moderation API: flagged "+strings.Join(others, ", "))
	} else if *r.Flagged && !v.CSAM {
		// Flagged without a category we can read: the provider still said no.
		v.NSFW = true
		v.Reasons = append(v.Reasons, "moderation API: flagged (no category given)")
	}
	return v
}
