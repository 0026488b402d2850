package cms

import (
	"strings"

	"golang.org/x/text/language"
)

// Locales are the languages CMS content may be written in (API.md §3.10).
// English comes first: it is the default and the per-field fallback.
var Locales = []string{"en", "zh-CN", "zh-TW", "ja", "ko", "de", "es", "fr", "it", "ms", "pt", "ru"}

// Fallback is the locale every field falls back to.
const Fallback = "en"

var matcher = func() language.Matcher {
	tags := make([]language.Tag, len(Locales))
	for i, l := range Locales {
		tags[i] = language.MustParse(l)
	}
	return language.NewMatcher(tags)
}()

// maxAcceptLanguage bounds the work spent on one header: real browsers
// send well under 200 bytes, so anything longer is cut at a list boundary.
const maxAcceptLanguage = 512

// MatchLocale picks the content locale for an Accept-Language header: the
// best match among Locales (zh-HK → zh-TW, pt-BR → pt, en-US → en …), and
// English when the header is missing, unparseable or matches nothing.
func MatchLocale(acceptLanguage string) string {
	h := strings.TrimSpace(acceptLanguage)
	if len(h) > maxAcceptLanguage {
		h = h[:maxAcceptLanguage]
		if i := strings.LastIndexByte(h, ','); i > 0 {
			h = h[:i]
		}
	}
	if h == "" {
		return Fallback
	}
	tags, _, err := language.ParseAcceptLanguage(h)
	if err != nil || len(tags) == 0 {
		return Fallback
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No || i < 0 || i >= len(Locales) {
		return Fallback
	}
	return Locales[i]
}

// canonicalLocale maps a locale key written by CMS editors ("zh_CN",
// "zh-cn", "en-US", "pt-BR") to one of Locales; unknown keys come back
// unchanged and are simply never selected.
func canonicalLocale(key string) string {
	k := strings.ReplaceAll(strings.TrimSpace(key), "_", "-")
	for _, l := range Locales {
		if strings.EqualFold(l, k) {
			return l
		}
	}
	base, _, _ := strings.Cut(k, "-")
	for _, l := range Locales {
		if !strings.Contains(l, "-") && strings.EqualFold(l, base) {
			return l
		}
	}
	return key
}
