package httpapi_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/blob"
)

// signer is the app's URL signer, to forge URLs the server accepts.
func (e *env) signer() *blob.Signer { return e.api.Blobs.(*blob.Local).Signer() }

func TestFilesServeHeadersRangesAndConditionals(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		data := pngBytes(t, gradient(90, 60))
		img := e.uploadImage(u, gradient(90, 60)).Image

		r := expect(t, e.fetch(img.URL), 200)
		cc := r.Header.Get("Cache-Control")
		age, err := strconv.Atoi(strings.TrimPrefix(cc, "private, max-age="))
		if err != nil || age <= 0 || time.Duration(age)*time.Second > blob.URLTTL+time.Hour {
			t.Fatalf("Cache-Control %q", cc)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Last-Modified") == "" ||
			r.Header.Get("Content-Type") != "image/png" || r.Header.Get("Accept-Ranges") != "bytes" {
			t.Fatalf("headers %v", r.Header)
		}

		part := expect(t, e.fetch(img.URL, "Range", "bytes=0-7"), 206)
		if string(part.Body) != string(data[:8]) || part.Header.Get("Content-Range") != "bytes 0-7/"+strconv.Itoa(len(data)) {
			t.Fatalf("range: %q %v", part.Body, part.Header)
		}
		expectError(t, e.fetch(img.URL, "Range", "bytes=999999-"), 416, "Range")
		expect(t, e.fetch(img.URL, "If-Modified-Since", r.Header.Get("Last-Modified")), 304)
		expectError(t, e.fetch(img.URL, "If-Unmodified-Since", "Mon, 02 Jan 2006 15:04:05 GMT"), 412, "Precondition")

		head := e.raw("HEAD", mustRequestURI(t, img.URL), "", "", nil, false)
		if head.Status != 200 || len(head.Body) != 0 || head.Header.Get("Content-Length") != strconv.Itoa(len(data)) {
			t.Fatalf("HEAD: %d %v", head.Status, head.Header)
		}
	})
}

func mustRequestURI(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

func TestFilesRefuseTamperedAndExpiredURLs(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		a, b := e.uploadImage(u, gradient(40, 40)).Image, e.uploadImage(u, gradient(50, 30)).Image
		ua, _ := url.Parse(a.URL)
		ub, _ := url.Parse(b.URL)
		q := ua.Query()

		tamper := func(path string, exp, sig string) response {
			v := url.Values{}
			v.Set("exp", exp)
			v.Set("sig", sig)
			return e.raw("GET", path+"?"+v.Encode(), "", "", nil, false)
		}
		expectError(t, tamper(ua.Path, q.Get("exp"), q.Get("sig")+"x"), 403, "signature")
		expectError(t, tamper(ua.Path, q.Get("exp"), strings.Repeat("A", 43)), 403, "signature")
		later, _ := strconv.ParseInt(q.Get("exp"), 10, 64)
		expectError(t, tamper(ua.Path, strconv.FormatInt(later+3600, 10), q.Get("sig")), 403, "signature")
		expectError(t, tamper(ub.Path, q.Get("exp"), q.Get("sig")), 403, "signature") // a's signature on b's key
		expectError(t, e.raw("GET", ua.Path, "", "", nil, true), 403, "signature")    // no query at all
		expectError(t, e.raw("GET", ua.Path+"?exp=abc&sig="+q.Get("sig"), "", "", nil, true), 403, "signature")

		key := strings.TrimPrefix(ua.Path, "/files/")
		expired := e.signer().URLUntil(key, time.Now().Add(-time.Minute))
		expectError(t, e.fetch(expired), 403, "signature")
		fresh := e.signer().URLUntil(key, time.Now().Add(time.Minute))
		r := expect(t, e.fetch(fresh), 200)
		if cc := r.Header.Get("Cache-Control"); cc != "private, max-age=60" && cc != "private, max-age=59" {
			t.Fatalf("max-age must not outlive the URL: %q", cc)
		}

		// A valid signature for a key the server never stores is still 404.
		missing := e.signer().URL(blob.FileKey(u.ID, "insert_nope", "original.png"))
		expect(t, e.fetch(missing), 404)
	})
}

func TestFilesCannotEscapeTheBlobRoot(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		// The data directory holds the development signing key one level
		// above the blob root: the prize of a traversal.
		const secret = "jwt-dev-key.pem"
		e.uploadImage(e.newUser(), gradient(10, 10)) // so u/ exists as a directory
		s := e.signer()
		signedQuery := func(key string) string {
			u, _ := url.Parse(s.URL(key))
			return "?" + u.RawQuery
		}
		attempts := []string{
			"/files/..%2F" + secret + signedQuery("../"+secret),
			"/files/u%2F..%2F..%2F" + secret + signedQuery("u/../../"+secret),
			"/files/%2e%2e/" + secret + signedQuery("../"+secret),
			"/files/../" + secret + signedQuery("../"+secret),
			"/files/u/x/y/..%2F..%2F..%2F..%2F" + secret + signedQuery("u/x/y/../../../../"+secret),
			"/files/%2F" + secret + signedQuery("/"+secret),
			"/files/u%5C..%5C" + secret + signedQuery(`u\..\`+secret),
			"/files/" + signedQuery(""),
			"/files/u" + signedQuery("u"), // a directory
		}
		for _, a := range attempts {
			r := e.unchecked(a)
			if r.Status == http.StatusOK || strings.Contains(string(r.Body), "PRIVATE KEY") {
				t.Fatalf("%s: %d %q", a, r.Status, r.Body)
			}
			if r.Status != 404 && r.Status != 301 && r.Status != 307 && r.Status != 308 {
				t.Errorf("%s: status %d", a, r.Status)
			}
		}
	})
}
