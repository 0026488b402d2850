package mail

import "strings"

// Languages are the template languages, English first: it is the fallback.
var Languages = []string{"en", "zh-CN", "zh-TW", "ja", "ko"}

// MatchLanguage maps a profile language or BCP 47 tag to one of Languages:
// "ja-JP" → ja, "zh-Hant"/"zh-HK"/"zh_TW" → zh-TW, other Chinese → zh-CN,
// anything unknown or malformed → en. Only the first entry of a list such
// as an Accept-Language value counts.
func MatchLanguage(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, ",;"); i >= 0 {
		tag = tag[:i]
	}
	subtags := strings.FieldsFunc(tag, func(r rune) bool { return r == '-' || r == '_' })
	if len(subtags) == 0 {
		return "en"
	}
	switch subtags[0] {
	case "ja", "jpn":
		return "ja"
	case "ko", "kor":
		return "ko"
	case "zh", "zho", "chi", "cmn", "yue":
		return matchChinese(subtags[0], subtags[1:])
	}
	return "en"
}

// matchChinese picks the script. An explicit script subtag wins
// (zh-Hant-CN is Traditional); otherwise the region decides: Taiwan, Hong
// Kong and Macau write Traditional, and so, mostly, does Cantonese.
func matchChinese(primary string, rest []string) string {
	traditional := primary == "yue"
	for _, s := range rest {
		switch s {
		case "hant":
			return "zh-TW"
		case "hans":
			return "zh-CN"
		case "tw", "hk", "mo":
			traditional = true
		case "cn", "sg", "my":
			traditional = false
		}
	}
	if traditional {
		return "zh-TW"
	}
	return "zh-CN"
}
