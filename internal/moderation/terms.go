package moderation

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// termSet matches listed terms and phrases in text, case-insensitively and
// on word boundaries: "sex" matches "Sex!" but not "Essex". Both sides are
// NFKC-normalised (full-width letters, ligatures), lower-cased and stripped
// of invisible format characters (zero-width spaces), then split into words
// at anything that is not a letter, digit or mark, so punctuation and
// spacing between the words of a phrase do not matter.
//
// Scripts written without spaces (Han, Kana, Thai …) have no word
// boundaries to respect: their terms match as substrings of the text with
// separators removed.
type termSet struct {
	byFirst   map[string][][]string // first word → phrases (as words) starting with it
	spaceless []string              // joined words of spaceless-script terms
}

func newTermSet(terms []string) termSet {
	ts := termSet{byFirst: map[string][][]string{}}
	for _, t := range terms {
		words := wordsOf(t)
		if len(words) == 0 {
			continue
		}
		if spacelessScript(t) {
			ts.spaceless = append(ts.spaceless, strings.Join(words, ""))
			continue
		}
		ts.byFirst[words[0]] = append(ts.byFirst[words[0]], words)
	}
	return ts
}

// match returns the first listed term found in text (as normalised words).
func (ts termSet) match(text string) (string, bool) {
	words := wordsOf(text)
	for i, w := range words {
		for _, phrase := range ts.byFirst[w] {
			if i+len(phrase) <= len(words) && equalWords(words[i:i+len(phrase)], phrase) {
				return strings.Join(phrase, " "), true
			}
		}
	}
	if len(ts.spaceless) > 0 {
		joined := strings.Join(words, "")
		for _, t := range ts.spaceless {
			if strings.Contains(joined, t) {
				return t, true
			}
		}
	}
	return "", false
}

func equalWords(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// wordsOf normalises s and splits it into words.
func wordsOf(s string) []string {
	s = strings.ToLower(norm.NFKC.String(s))
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1 // zero-width joiners/spaces would otherwise split or hide words
		}
		return r
	}, s)
	return strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r)
	})
}

func spacelessScript(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao,
			unicode.Khmer, unicode.Myanmar) {
			return true
		}
	}
	return false
}
