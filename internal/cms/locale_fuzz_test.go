package cms

import (
	"slices"
	"testing"
)

// FuzzMatchLocale: any Accept-Language header picks one of Locales
// (English when nothing matches) without panicking, however long or odd.
func FuzzMatchLocale(f *testing.F) {
	for _, s := range []string{"", "en-US,en;q=0.9", "zh-HK", "pt-BR;q=0.5, *;q=0.1", "x-klingon", ";;;,,,q=",
		"zh-Hant-TW", "*", "de-DE-u-co-phonebk", "en;q=abc", "ja\x00", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if l := MatchLocale(h); !slices.Contains(Locales, l) {
			t.Fatalf("MatchLocale(%q) = %q, not a supported locale", h, l)
		}
	})
}
