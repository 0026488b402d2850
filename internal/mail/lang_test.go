package mail

import (
	"slices"
	"testing"
)

func TestMatchLanguage(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"en": "en", "en-US": "en", "": "en", "fr": "en", "zh": "zh-CN", "zh-CN": "zh-CN",
		"zh-Hans": "zh-CN", "zh-Hans-HK": "zh-CN", "zh_TW": "zh-TW", "zh-TW": "zh-TW", "zh-Hant": "zh-TW",
		"zh-HK": "zh-TW", "zh-Hant-CN": "zh-TW", "ZH-tw": "zh-TW", "yue": "zh-TW", "ja": "ja", "ja-JP": "ja",
		"ko-KR": "ko", "ko": "ko", "ja,en;q=0.8": "ja", " ko ": "ko", "-": "en", "jav": "en", "kok": "en",
	} {
		if got := MatchLanguage(in); got != want {
			t.Errorf("MatchLanguage(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzMatchLanguage(f *testing.F) {
	for _, s := range []string{"en", "zh-Hant-TW", "ja_JP", "ko;q=1", "zh-Hans", ",,", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := MatchLanguage(s)
		if !slices.Contains(Languages, got) {
			t.Fatalf("MatchLanguage(%q) = %q, not a template language", s, got)
		}
		if MatchLanguage(got) != got {
			t.Fatalf("MatchLanguage(%q) is not a fixed point", got)
		}
	})
}
