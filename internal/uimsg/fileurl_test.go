package uimsg

import (
	"net/url"
	"strings"
	"testing"
)

var fileURLCases = map[string]bool{
	"https://cdn.example/cat.png":                 true,
	"HTTP://cdn.example/cat.png?x=1":              true,
	"http://files.test/files/ab/c.png?exp=1&sig=": true,
	"/files/ab/cd/x.png?exp=1&sig=abc":            true,
	"data:image/png;base64,iVBORw0KGgo=":          true,
	"DATA:IMAGE/WEBP,raw":                         true,
	"javascript:alert(1)":                         false,
	"JavaScript:alert(1)":                         false,
	" javascript:alert(1)":                        false,
	"file:///etc/passwd":                          false,
	"file://host/share":                           false,
	"data:text/html,<script>alert(1)</script>":    false,
	"data:image/svg+xml;base64,PHN2Zz4=":          true, // an image; served only as an <img>, where scripts do not run
	"data:image/,x":                               false,
	"data:image/png":                              false,
	"data:image/png x;base64,AA":                  false,
	"//evil.example/x.png":                        false,
	"https:opaque":                                false,
	"https:///nohost":                             false,
	"/etc/passwd":                                 false,
	"/files/../etc":                               true, // a /files/ path: the file route refuses an unsigned or foreign key
	"ftp://x/y":                                   false,
	"":                                            false,
	"u":                                           false,
	"https://x/\x00":                              false,
}

func TestFileURLReason(t *testing.T) {
	t.Parallel()
	for u, ok := range fileURLCases {
		if got := FileURLReason(u) == ""; got != ok {
			t.Errorf("FileURLReason(%q) accepts=%v, want %v", u, got, ok)
		}
	}
}

// FuzzFileURLReason asserts that whatever is accepted is one of the three
// allowed kinds, judged by independent means (url.Parse and plain prefix
// tests), and that nothing with a dangerous scheme gets through.
func FuzzFileURLReason(f *testing.F) {
	for u := range fileURLCases {
		f.Add(u)
	}
	f.Fuzz(func(t *testing.T, u string) {
		if FileURLReason(u) != "" {
			return
		}
		lower := strings.ToLower(u)
		switch {
		case strings.HasPrefix(lower, "data:"):
			head, _, ok := strings.Cut(lower, ",")
			if !ok || !strings.HasPrefix(head, "data:image/") || strings.ContainsAny(head, " \t\r\n") {
				t.Fatalf("accepted non-image data URL %q", u)
			}
		case strings.HasPrefix(u, "/files/"):
			p, err := url.Parse(u)
			if err != nil || p.Host != "" || p.Scheme != "" {
				t.Fatalf("accepted %q as a /files/ path", u)
			}
		default:
			p, err := url.Parse(u)
			if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
				t.Fatalf("accepted %q: %v %+v", u, err, p)
			}
		}
	})
}
