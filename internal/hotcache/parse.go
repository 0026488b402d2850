package hotcache

// The two request-header parsers of ServeEncoded. Both scan in place and
// allocate nothing; both treat what they cannot parse conservatively (a
// full 200 in identity encoding), never as a match.

// noneMatch reports whether the If-None-Match field lines match etag (a
// quoted strong tag) under the weak comparison RFC 9110 §13.1.2 asks
// for: W/"x" matches "x"; "*" matches any current representation. A
// malformed field ignores the whole header: a 200 is always correct, a
// wrong 304 is not.
func noneMatch(fields []string, etag string) bool {
	matched := false
	for _, f := range fields {
		m, ok := scanNoneMatch(f, etag)
		if !ok {
			return false
		}
		matched = matched || m
	}
	return matched
}

// scanNoneMatch parses one field line: "*" alone, or a list of
// entity-tags (empty list elements allowed, RFC 9110 §5.6.1).
func scanNoneMatch(s, etag string) (match, ok bool) {
	if t := trimOWS(s); t == "*" {
		return true, true
	}
	i := 0
	for {
		i = skipListSeparators(s, i)
		if i == len(s) {
			return match, true
		}
		if len(s)-i >= 2 && s[i] == 'W' && s[i+1] == '/' {
			i += 2
		}
		end, valid := scanQuoted(s, i)
		if !valid {
			return false, false
		}
		match = match || s[i:end] == etag
		i = skipOWS(s, end)
		if i < len(s) && s[i] != ',' {
			return false, false
		}
	}
}

// scanQuoted reads an opaque-tag ("…" of etagc) at i; it returns the index
// after the closing quote.
func scanQuoted(s string, i int) (int, bool) {
	if i >= len(s) || s[i] != '"' {
		return 0, false
	}
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			return j + 1, true
		case c == 0x21 || (c >= 0x23 && c != 0x7f):
		default:
			return 0, false
		}
	}
	return 0, false
}

// acceptsGzip reports whether the Accept-Encoding field lines (RFC 9110
// §12.5.3) give gzip a positive weight at least that of identity (when
// named, or of "*"). No
// header means identity: every client understands it. Elements that do
// not parse are ignored.
func acceptsGzip(fields []string) bool {
	gz, id, star := -1, -1, -1
	for _, f := range fields {
		for i := 0; ; {
			i = skipListSeparators(f, i)
			if i == len(f) {
				break
			}
			var coding string
			var q int
			coding, q, i = scanCoding(f, i)
			switch {
			case q < 0:
			case equalFold(coding, "gzip"), equalFold(coding, "x-gzip"):
				gz = max(gz, q)
			case equalFold(coding, "identity"):
				id = max(id, q)
			case coding == "*":
				star = max(star, q)
			}
		}
	}
	if gz < 0 {
		gz = max(star, 0)
	}
	if id < 0 {
		// Unnamed, identity is acceptable but not preferred: a client
		// saying "gzip;q=0.5" alone still wants gzip.
		id = max(star, 0)
	}
	return gz > 0 && gz >= id
}

// scanCoding reads `coding *( OWS ";" OWS name "=" value )` at i and
// returns the coding, its weight in thousandths (-1 when malformed) and
// the index of the next list separator or the end.
func scanCoding(s string, i int) (coding string, q int, next int) {
	start := i
	for i < len(s) && isTchar(s[i]) {
		i++
	}
	coding, q = s[start:i], 1000
	if coding == "" {
		q = -1
	}
	for {
		i = skipOWS(s, i)
		if i == len(s) || s[i] == ',' {
			return coding, q, i
		}
		if s[i] != ';' {
			return coding, -1, skipToComma(s, i)
		}
		i = skipOWS(s, i+1)
		ns := i
		for i < len(s) && isTchar(s[i]) {
			i++
		}
		name := s[ns:i]
		if name == "" || i == len(s) || s[i] != '=' {
			return coding, -1, skipToComma(s, i)
		}
		vs := i + 1
		for i = vs; i < len(s) && isTchar(s[i]); i++ {
		}
		if equalFold(name, "q") {
			if w, ok := parseQ(s[vs:i]); ok && q >= 0 {
				q = w
			} else {
				q = -1
			}
		}
	}
}

// parseQ parses a qvalue: "0" ["." 0*3DIGIT] / "1" ["." 0*3"0"].
func parseQ(s string) (int, bool) {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	w := int(s[0]-'0') * 1000
	if len(s) == 1 {
		return w, true
	}
	if s[1] != '.' {
		return 0, false
	}
	scale := 100
	for _, c := range []byte(s[2:]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		w += int(c-'0') * scale
		scale /= 10
	}
	if w > 1000 {
		return 0, false
	}
	return w, true
}

func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

func skipOWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

func skipListSeparators(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
		i++
	}
	return i
}

func skipToComma(s string, i int) int {
	for i < len(s) && s[i] != ',' {
		i++
	}
	return i
}

func trimOWS(s string) string {
	i, j := 0, len(s)
	for i < j && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	for j > i && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	return s[i:j]
}

// equalFold compares ASCII case-insensitively (coding names are ASCII
// tokens; strings.EqualFold would also fold Unicode).
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
