package content

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFilterPresetsAreValid(t *testing.T) {
	t.Parallel()
	ps, err := FilterPresets()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) < 20 {
		t.Fatalf("%d presets, want about 20", len(ps))
	}
	cats := map[string]int{}
	for _, p := range ps {
		cats[p.Category]++
	}
	if len(cats) < 3 {
		t.Fatalf("categories %v, want a few", cats)
	}
}

func TestValidateFilterPresetsListsEveryProblem(t *testing.T) {
	t.Parallel()
	err := ValidateFilterPresets([]FilterPreset{
		{ID: "ok", Name: "n", Category: "c", Prompt: "p", CoverURL: "https://x.test/a.webp"},
		{ID: "ok", Name: "n", Category: "c", Prompt: "p", CoverURL: "https://x.test/a.webp"},
		{ID: "../etc", Name: "", Category: "c", Prompt: "p", CoverURL: "/relative.webp"},
	})
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{"duplicate id", "a-z 0-9", "required", "coverUrl"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestAuthBackgroundsAreValid(t *testing.T) {
	t.Parallel()
	bs, err := AuthBackgrounds()
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) == 0 {
		t.Fatal("no backgrounds")
	}
}

func TestValidBlurhash(t *testing.T) {
	t.Parallel()
	for h, want := range map[string]bool{
		"LEHV6nWB2yk8pyo0adR*.7kCMdnj":  true,  // 4x3 components, 28 chars
		"LEHV6nWB2yk8pyo0adR*.7kCMdn":   false, // one short
		"LEHV6nWB2yk8pyo0adR*.7kCMdn\"": false, // not base 83
		"":                              false,
		"00AAAA":                        true, // 1x1, 6 chars
	} {
		if got := ValidBlurhash(h); got != want {
			t.Errorf("ValidBlurhash(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestCMSDocumentsAreJSONAndNamesAreChecked(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"announcement", "homecards", "trending"} {
		raw, err := CMSDocument(name)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(raw) {
			t.Fatalf("%s is not JSON", name)
		}
	}
	for _, name := range []string{"../filters", "missing", ""} {
		if _, err := CMSDocument(name); err == nil {
			t.Errorf("CMSDocument(%q) succeeded", name)
		}
	}
}
