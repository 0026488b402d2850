package llm

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// phrase is a request's subject as the local model repeats it.
type phrase struct {
	text string // "a red fox in the snow"; "" when nothing is left ("hi", "draw")
	// whole marks a subject that names its own medium ("a lullaby for your
	// daughter", "a realistic photo of a cat"), so a reply says "Let me
	// create %s" rather than "an image of %s".
	whole bool
}

// phraseMode tells paraphrase what the phrase is for.
type phraseMode uint8

const (
	// forReply turns first-person words around: the model is speaking.
	forReply phraseMode = 1 << iota
	// keepVerb drops only politeness: an edit's verb is its content
	// ("make it blue").
	keepVerb
)

// Bounds on a paraphrase.
const (
	maxPhraseWords = 14
	maxPhraseRunes = 100
)

// paraphrase turns a creative request into the subject a reply or a title
// names: "can you draw me a red fox in the snow please?" → "a red fox in
// the snow". It drops greetings, polite and modal openings ("can you", "I
// want"), the imperative verb ("draw", "make"), a generic medium ("a
// picture of", "a 10 second video of", "a song about") and closing
// politeness, in English and a few other languages; the first sentence
// that has something left is used. The result is valid UTF-8 of at most
// maxPhraseWords words and maxPhraseRunes runes, never padded with spaces.
func paraphrase(request string, mode phraseMode) phrase {
	s := imageIDRe.ReplaceAllString(strings.ToValidUTF8(request, ""), " ")
	for _, sentence := range sentences(s) {
		ws, english := stripOpeners(strings.Fields(sentence), mode&keepVerb == 0)
		ws = trimTail(stripClosers(ws))
		if len(ws) == 0 {
			continue
		}
		p := phrase{text: strings.Join(ws, " ")}
		if mode&keepVerb == 0 {
			p = medium(ws)
		}
		ws = strings.Fields(p.text)
		if mode&forReply != 0 && (english || hasAnyKey(ws, englishMarkers)) {
			ws = secondPerson(ws)
		}
		if ws = bound(ws); len(ws) > 0 {
			p.text = balanceQuotes(strings.Join(lowerLeadingArticle(ws), " "))
			if p.text != "" {
				return p
			}
		}
	}
	return phrase{}
}

// sentenceEnd matches where a sentence ends: . ! ? ; … before a space or
// the end, a line break, or an ideographic full stop.
var sentenceEnd = regexp.MustCompile(`[.!?;…]+(\s|$)|\n|[。！？]`)

func sentences(s string) []string {
	var out []string
	for _, part := range sentenceEnd.Split(s, -1) {
		if strings.TrimSpace(part) != "" {
			out = append(out, part)
		}
	}
	return out
}

// wordKey is how a word is compared with the lists: lower case, curly
// apostrophes straightened, surrounding punctuation and symbols removed.
func wordKey(w string) string {
	w = strings.ReplaceAll(strings.ToLower(w), "’", "'")
	return strings.TrimFunc(w, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) })
}

func hasAnyKey(ws []string, set map[string]bool) bool {
	for _, w := range ws {
		if set[wordKey(w)] {
			return true
		}
	}
	return false
}

// matchAt returns how many words of ws, from i, the longest entry of set
// that matches there covers, or 0.
func matchAt(ws []string, i int, set map[string][][]string) int {
	if i >= len(ws) {
		return 0
	}
	for _, entry := range set[wordKey(ws[i])] {
		if i+len(entry) > len(ws) {
			continue
		}
		ok := true
		for j, e := range entry {
			if wordKey(ws[i+j]) != e {
				ok = false
				break
			}
		}
		if ok {
			return len(entry)
		}
	}
	return 0
}

// stripOpeners drops openers (and, with dropVerbs, imperative verbs with
// their pronoun object) from the start of ws until none is left. english
// reports whether an English opener was among them.
func stripOpeners(ws []string, dropVerbs bool) (rest []string, english bool) {
	for len(ws) > 0 {
		if n := matchAt(ws, 0, openers); n > 0 {
			english = english || matchAt(ws, 0, englishOpeners) == n
			ws = ws[n:]
			continue
		}
		if !dropVerbs {
			break
		}
		n := matchAt(ws, 0, verbs)
		if n == 0 || n == 1 && keepVerbs[wordKey(ws[0])] && len(ws) > 1 && keepVerbBefore[wordKey(ws[1])] {
			break
		}
		ws = ws[n:]
		if len(ws) > 1 && objectPronouns[wordKey(ws[0])] && startsNoun(ws[1]) {
			ws = ws[1:]
		}
		// "sing about the sea": the verb took its noun along.
		if len(ws) > 1 && wordKey(ws[0]) == "about" {
			ws = ws[1:]
		}
	}
	return ws, english
}

func startsNoun(w string) bool {
	k := wordKey(w)
	return determiners[k] || genericMedia[k] || styleMedia[k] || k != "" && unicode.IsDigit([]rune(k)[0])
}

// stripClosers drops trailing politeness ("… for me please"), never the
// whole request.
func stripClosers(ws []string) []string {
	for changed := true; changed; {
		changed = false
		for i := max(1, len(ws)-3); i < len(ws); i++ {
			if n := matchAt(ws, i, closers); n > 0 && i+n == len(ws) {
				ws, changed = ws[:i], true
				break
			}
		}
	}
	return ws
}

// ratioOrLength matches the format words a tool argument already carries
// ("16:9", "10s", "10-second").
var ratioOrLength = regexp.MustCompile(`^([0-9]{1,2}:[0-9]{1,2}|[0-9]{1,3}(s|sec|secs|-second|-seconds)?)$`)

const tailPunct = ".,;:!?…。，；：！？、-–—"

// trimTail drops dangling function words, format words and punctuation
// from the end: "waves, 9:16" → "waves", "a fox in the" → "a fox". It
// shortens ws in place.
func trimTail(ws []string) []string {
	for len(ws) > 0 {
		last := strings.TrimRightFunc(ws[len(ws)-1], func(r rune) bool {
			return strings.ContainsRune(tailPunct, r) || unicode.IsSpace(r)
		})
		k := wordKey(last)
		if last == "" || isPunct(last) || functionWords[k] || ratioOrLength.MatchString(k) || k == "ratio" || k == "format" {
			ws = ws[:len(ws)-1]
			continue
		}
		ws[len(ws)-1] = last
		break
	}
	return ws
}

func isPunct(w string) bool {
	for _, r := range w {
		if !unicode.IsPunct(r) {
			return false
		}
	}
	return true
}

// medium drops a generic medium at the head ("a short video of waves" →
// "waves") or the tail ("waves at sunset video" → "waves at sunset"), and
// keeps one that says more ("a watercolor painting of a fox", "a lullaby
// for my daughter", "two images of a cat") as a whole phrase.
func medium(ws []string) phrase {
	j := 0
	for j < len(ws)-1 && stripDeterminers[wordKey(ws[j])] {
		j++
	}
	for k := j; k < min(len(ws), j+4); k++ {
		key := wordKey(ws[k])
		if genericMedia[key] || styleMedia[key] {
			return mediumAt(ws, j, k)
		}
		if functionWords[key] {
			break
		}
	}
	if n := len(ws); n > 1 && genericMedia[wordKey(ws[n-1])] && !definite[wordKey(ws[n-2])] {
		if rest := trimTail(ws[:n-1]); len(rest) > 0 {
			return phrase{text: strings.Join(rest, " ")}
		}
	}
	return phrase{text: strings.Join(ws, " ")}
}

// mediumAt decides for the medium ws[k], which follows the determiners
// ws[:j] and the modifiers ws[j:k].
func mediumAt(ws []string, j, k int) phrase {
	all := phrase{text: strings.Join(ws, " "), whole: true}
	plain := phrase{text: all.text}
	switch {
	case !genericMedia[wordKey(ws[k])] || k == 0 && k == len(ws)-1:
		return all // "a watercolor painting of a fox", "music"
	case k == len(ws)-1 && allIn(ws[:k], definite):
		return plain // "this image", the source of a video
	case k == len(ws)-1 || !allFillers(ws[j:k]):
		return all // "a song", "a cat video", "a realistic photo of a cat"
	}
	if rest, ok := cutElision(ws[k+1]); ok { // "une image d'un renard"
		return phrase{text: strings.Join(append([]string{rest}, ws[k+2:]...), " ")}
	}
	if mediumConnectors[wordKey(ws[k+1])] && k+2 < len(ws) {
		return phrase{text: strings.Join(ws[k+2:], " ")}
	}
	return all // "a video where a cat jumps", "music for studying"
}

func allIn(ws []string, set map[string]bool) bool {
	for _, w := range ws {
		if !set[wordKey(w)] {
			return false
		}
	}
	return true
}

func allFillers(ws []string) bool {
	for _, w := range ws {
		if k := wordKey(w); !mediumFillers[k] && !ratioOrLength.MatchString(k) {
			return false
		}
	}
	return true
}

// cutElision returns w without a French "d'" when something follows it.
func cutElision(w string) (string, bool) {
	for _, p := range []string{"d'", "d’", "D'", "D’"} {
		if rest, ok := strings.CutPrefix(w, p); ok && rest != "" {
			return rest, true
		}
	}
	return "", false
}

// secondPerson turns the user's words around for the model's reply:
// "a portrait of me and my dog" → "a portrait of you and your dog".
// Upper-case words stay ("US").
func secondPerson(ws []string) []string {
	out := make([]string, 0, len(ws))
	for i := 0; i < len(ws); i++ {
		pre, core, post := splitPunct(ws[i])
		k := strings.ReplaceAll(strings.ToLower(core), "’", "'")
		if len(core) > 1 && core == strings.ToUpper(core) {
			out = append(out, ws[i])
			continue
		}
		if i+1 < len(ws) && post == "" {
			if pair, ok := youForPair[[2]string{k, wordKey(ws[i+1])}]; ok {
				_, _, post2 := splitPunct(ws[i+1])
				out = append(out, pre+pair[0], pair[1]+post2)
				i++
				continue
			}
		}
		if r, ok := youFor[k]; ok {
			out = append(out, pre+r+post)
			continue
		}
		out = append(out, ws[i])
	}
	return out
}

// splitPunct cuts the punctuation around a word off its core.
func splitPunct(w string) (pre, core, post string) {
	core = strings.TrimLeftFunc(w, unicode.IsPunct)
	pre = w[:len(w)-len(core)]
	trimmed := strings.TrimRightFunc(core, unicode.IsPunct)
	return pre, trimmed, core[len(trimmed):]
}

// bound cuts ws to maxPhraseWords words and maxPhraseRunes runes, at a word
// boundary where there is one.
func bound(ws []string) []string {
	if len(ws) > maxPhraseWords {
		ws = trimTail(ws[:maxPhraseWords])
	}
	s := strings.Join(ws, " ")
	if utf8.RuneCountInString(s) <= maxPhraseRunes {
		return ws
	}
	cut := string([]rune(s)[:maxPhraseRunes])
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return trimTail(strings.Fields(cut))
}

// lowerLeadingArticle: "A red fox" goes mid-sentence as "a red fox";
// names ("Paris at night") keep their capital.
func lowerLeadingArticle(ws []string) []string {
	if len(ws) == 0 || !determiners[wordKey(ws[0])] {
		return ws
	}
	pre, core, post := splitPunct(ws[0])
	r, size := utf8.DecodeRuneInString(core)
	if rest := core[size:]; unicode.IsUpper(r) && rest == strings.ToLower(rest) {
		ws[0] = pre + string(unicode.ToLower(r)) + rest + post
	}
	return ws
}

// quotePairs are the quotes a subject may be wrapped in.
var quotePairs = [][2]string{{`"`, `"`}, {"“", "”"}, {"„", "“"}, {"«", "»"}, {"'", "'"}, {"‘", "’"}}

// balanceQuotes removes a quote left without its partner at either end
// (its partner went with a dropped word: `"Please draw" a fox`) and quotes
// wrapping the whole subject.
func balanceQuotes(s string) string {
	for _, q := range quotePairs {
		open, closing := q[0], q[1]
		odd := open == closing && strings.Count(s, open)%2 == 1
		unequal := open != closing && strings.Count(s, open) != strings.Count(s, closing)
		if odd || unequal {
			if strings.HasPrefix(s, open) && (odd || strings.Count(s, open) > strings.Count(s, closing)) {
				s = s[len(open):]
			} else if strings.HasSuffix(s, closing) {
				s = s[:len(s)-len(closing)]
			}
		}
		if inner, ok := strings.CutPrefix(s, open); ok && strings.HasSuffix(inner, closing) && len(inner) >= len(closing) {
			if inner = inner[:len(inner)-len(closing)]; !strings.Contains(inner, open) && !strings.Contains(inner, closing) {
				s = inner
			}
		}
	}
	return strings.TrimRightFunc(strings.TrimSpace(s), func(r rune) bool {
		return strings.ContainsRune(tailPunct, r) || unicode.IsSpace(r)
	})
}
