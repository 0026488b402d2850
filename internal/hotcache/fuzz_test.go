package hotcache

import (
	"strings"
	"testing"
)

const fuzzTag = `"abc123-gz"`

func FuzzIfNoneMatch(f *testing.F) {
	for _, s := range []string{fuzzTag, "W/" + fuzzTag, "*", " * ", `"a", "b"`, `,,"a",,`, "garbage", `"unterminated`,
		`W/"a" W/"b"`, `*, "a"`, "\"\x7f\"", "\"\x80\xff\"", `""`, "", " ", `w/"a"`, "\t\"a\"\t,\t" + fuzzTag} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := noneMatch([]string{s}, fuzzTag)
		if got && !strings.Contains(s, fuzzTag) && trimOWS(s) != "*" {
			t.Fatalf("%q matches %s without naming it", s, fuzzTag)
		}
		if _, ok := scanNoneMatch(s, fuzzTag); ok && trimOWS(s) != "*" && !noneMatch([]string{s + "," + fuzzTag}, fuzzTag) {
			t.Fatalf("valid list %q followed by the tag does not match", s)
		}
		if noneMatch([]string{s, "garbage"}, fuzzTag) {
			t.Fatalf("%q with a garbage line matched", s)
		}
	})
}

func FuzzAcceptEncoding(f *testing.F) {
	for _, s := range []string{"gzip", "gzip;q=0", "gzip;q=0.5, identity", "*;q=0", "br;q=1.0, gzip;q=0.8, *;q=0.1",
		"x-gzip", "GZIP;Q=1", "gzip;q=1.0001", "gzip;q=", ";;,,", "gzip;a=\"x,y\";q=1", "identity;q=0", "\tgzip\t;\tq=0.3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := acceptsGzip([]string{s})
		low := strings.ToLower(s)
		if got && !strings.Contains(low, "gzip") && !strings.Contains(s, "*") {
			t.Fatalf("%q chose gzip without naming it", s)
		}
		if acceptsGzip([]string{s, "gzip;q=0", "*;q=0"}) && !got && !strings.Contains(low, "gzip") {
			t.Fatalf("%q: refusals turned into gzip", s)
		}
	})
}
