package cms

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMatchLocale(t *testing.T) {
	t.Parallel()
	for header, want := range map[string]string{
		"":                                  "en",
		"en-US":                             "en",
		"en-GB,en;q=0.9":                    "en",
		"ja-JP,ja;q=0.9,en;q=0.8":           "ja",
		"zh-CN":                             "zh-CN",
		"zh":                                "zh-CN",
		"zh-Hans":                           "zh-CN",
		"zh-TW":                             "zh-TW",
		"zh-HK":                             "zh-TW",
		"zh-Hant":                           "zh-TW",
		"pt-BR":                             "pt",
		"de-CH":                             "de",
		"ko-KR":                             "ko",
		"ms-MY":                             "ms",
		"it":                                "it",
		"ru-RU,ru;q=0.9":                    "ru",
		"fr-CA;q=0.5, es;q=0.9":             "es",
		"sw, ja;q=0.5":                      "ja",
		"xx-YY":                             "en",
		"*":                                 "en",
		";;;q=x":                            "en",
		"fr;q=abc":                          "en",
		"\x00\xff":                          "en",
		strings.Repeat("a", 100_000):        "en",
		strings.Repeat("fr-FR,", 10_000):    "fr", // cut at a list boundary, still parsed
		strings.Repeat("xx,", 1_000) + "ja": "en", // preferences past the cap are ignored
	} {
		name := header
		if len(name) > 40 {
			name = name[:40] + "…"
		}
		if got := MatchLocale(header); got != want {
			t.Errorf("MatchLocale(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestCanonicalLocale(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]string{
		"en": "en", "EN": "en", "en-US": "en", "zh_CN": "zh-CN", "zh-cn": "zh-CN", "zh_tw": "zh-TW",
		"pt-BR": "pt", "zh": "zh", "klingon": "klingon",
	} {
		if got := canonicalLocale(key); got != want {
			t.Errorf("canonicalLocale(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestTextFormsAndFallback(t *testing.T) {
	t.Parallel()
	var doc struct{ A, B, C, D Text }
	raw := `{"A": "plain english", "B": {"en-US": "derived", "en": "exact", "zh_CN": "你好", "ja": "  "}, "C": null,
		"D": {"fr": "seulement"}}`
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		text         Text
		locale, want string
	}{
		{doc.A, "ja", "plain english"},
		{doc.B, "en", "exact"},
		{doc.B, "zh-CN", "你好"},
		{doc.B, "ja", "exact"}, // blank counts as missing
		{doc.C, "en", ""},
		{doc.D, "fr", "seulement"},
		{doc.D, "de", ""}, // no English to fall back to
	} {
		if got := c.text.In(c.locale); got != c.want {
			t.Errorf("In(%s) = %q, want %q (text %v)", c.locale, got, c.want, c.text)
		}
	}
	if err := json.Unmarshal([]byte(`{"A": 42}`), &doc); err == nil {
		t.Fatal("a number is not Text")
	}
}
