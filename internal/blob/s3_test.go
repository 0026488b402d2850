package blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/blob/blobtest"
)

// TestS3PresignedURLs fetches presigned URLs as a browser would: whole,
// and with a Range (video seeking is S3's job); a URL is valid ≥ 1 day and
// the same for a key within the hour.
func TestS3PresignedURLs(t *testing.T) {
	t.Parallel()
	s := blobtest.New(t)
	ctx := context.Background()
	body := strings.Repeat("0123456789", 100)
	for _, k := range []string{"u/1/f/original.mp4", "p/1/f/original.mp4"} {
		if _, err := s.Put(ctx, k, strings.NewReader(body), "video/mp4"); err != nil {
			t.Fatal(err)
		}
		u := s.URL(k)
		if u == "" || u != s.URL(k) {
			t.Fatalf("URL %q not stable", u)
		}
		q := mustParse(t, u).Query()
		signed, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
		if err != nil || q.Get("X-Amz-Expires") != "518400" || q.Get("X-Amz-Signature") == "" {
			t.Fatalf("presigned query %v", q)
		}
		if left := time.Until(signed.Add(blob.S3URLTTL)); left < 24*time.Hour {
			t.Fatalf("valid for %v only", left)
		}
		got, status, ctype := fetch(t, u, "")
		if status != http.StatusOK || got != body || ctype != "video/mp4" {
			t.Fatalf("GET %s: %d %q %q", k, status, ctype, got[:min(len(got), 20)])
		}
		got, status, _ = fetch(t, u, "bytes=10-19")
		if status != http.StatusPartialContent || got != "0123456789" {
			t.Fatalf("range GET: %d %q", status, got)
		}
	}
	if strings.Contains(s.URL("p/1/f/original.mp4"), "/kira/") || !strings.Contains(s.URL("p/1/f/original.mp4"), "/kira-public/public/1/f/") {
		t.Fatalf("published copy URL %s is not in the public bucket", s.URL("p/1/f/original.mp4"))
	}
	if s.URL("../x") != "" {
		t.Fatal("URL of a bad key")
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func fetch(t *testing.T, u, rng string) (string, int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b), res.StatusCode, res.Header.Get("Content-Type")
}

// TestS3MultipartUpload stores an object above MultipartThreshold (a
// multipart upload of three parts) and reads it back whole.
func TestS3MultipartUpload(t *testing.T) {
	t.Parallel()
	srv := blobtest.Start(t, "kira")
	proxy := blobtest.NewProxy(t, srv.URL)
	s, err := blob.NewS3(blobtest.Config(proxy.URL, "kira", ""))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	data := make([]byte, blob.MultipartThreshold+3<<20)
	_, _ = rand.Read(data)
	n, err := s.Put(ctx, "u/1/f/original.webm", struct{ io.Reader }{bytes.NewReader(data)}, "video/webm")
	if err != nil || n != int64(len(data)) {
		t.Fatalf("put: %d %v", n, err)
	}
	if parts := proxy.Parts.Load(); parts != 3 {
		t.Fatalf("%d parts uploaded, want 3 of at most %d bytes", parts, blob.PartSize)
	}
	if size, _, err := s.Stat(ctx, "u/1/f/original.webm"); err != nil || size != int64(len(data)) {
		t.Fatalf("stat: %d %v", size, err)
	}
	r, err := s.Open(ctx, "u/1/f/original.webm")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, differing", len(got))
	}
}

// TestS3PutReaderErrorStoresNothing: a source failing mid-upload (client
// gone, size cap) leaves no object and is not reported as an outage.
func TestS3PutReaderErrorStoresNothing(t *testing.T) {
	t.Parallel()
	s := blobtest.New(t)
	ctx := context.Background()
	boom := errors.New("client went away")
	for _, size := range []int{1000, blob.MultipartThreshold + 1000} {
		src := io.MultiReader(bytes.NewReader(make([]byte, size)), &failReader{err: boom})
		if _, err := s.Put(ctx, "u/1/f/x.mp4", src, "video/mp4"); !errors.Is(err, boom) {
			t.Fatalf("size %d: %v", size, err)
		}
		if _, err := s.Open(ctx, "u/1/f/x.mp4"); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("size %d: object after a failed put: %v", size, err)
		}
	}
}

type failReader struct{ err error }

func (f *failReader) Read([]byte) (int, error) { return 0, f.err }

// TestS3OutageIsUnavailable: S3 answering 503 or not answering at all
// gives an apperr.Unavailable (the API's 503) from every operation, within
// the configured timeout, and the store works again once S3 is back.
func TestS3OutageIsUnavailable(t *testing.T) {
	t.Parallel()
	srv := blobtest.Start(t, "kira")
	proxy := blobtest.NewProxy(t, srv.URL)
	cfg := blobtest.Config(proxy.URL, "kira", "")
	cfg.Timeout = 300 * time.Millisecond
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: cfg.Timeout}}
	s, err := blob.NewS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Put(ctx, "u/1/f/a.png", strings.NewReader("x"), "image/png"); err != nil {
		t.Fatal(err)
	}
	ops := map[string]func() error{
		"put":    func() error { _, err := s.Put(ctx, "u/1/f/b.png", strings.NewReader("x"), ""); return err },
		"open":   func() error { _, err := s.Open(ctx, "u/1/f/a.png"); return err },
		"copy":   func() error { return s.Copy(ctx, "u/1/f/a.png", "p/1/f/a.png") },
		"delete": func() error { return s.Delete(ctx, "u/1/f/a.png") },
		"prefix": func() error { return s.DeletePrefix(ctx, "u/1/") },
		"stat":   func() error { _, _, err := s.Stat(ctx, "u/1/f/a.png"); return err },
	}
	for _, fault := range []blobtest.Fault{blobtest.Fail503, blobtest.Stall} {
		proxy.Set(fault)
		for name, op := range ops {
			start := time.Now()
			err := op()
			if e, ok := apperr.As(err); !ok || e.Kind != apperr.Unavailable {
				t.Fatalf("fault %d, %s: %v, want Unavailable", fault, name, err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("fault %d, %s took %v", fault, name, d)
			}
		}
	}
	proxy.Set(blobtest.Pass)
	if b := read(t, s, "u/1/f/a.png"); b != "x" {
		t.Fatalf("after recovery: %q", b)
	}
}

// TestS3RefusedIsNotUnavailable: a request S3 refuses (here a bucket that
// does not exist: a configuration fault) is an internal error, not a 503.
func TestS3RefusedIsNotUnavailable(t *testing.T) {
	t.Parallel()
	srv := blobtest.Start(t, "kira")
	s, err := blob.NewS3(blobtest.Config(srv.URL, "nope", ""))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Put(context.Background(), "u/1/f/a.png", strings.NewReader("x"), "")
	if e, ok := apperr.As(err); err == nil || ok && e.Kind == apperr.Unavailable || errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("put to a missing bucket: %v", err)
	}
	if _, err := s.Open(context.Background(), "u/1/f/a.png"); err == nil || errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("open in a missing bucket: %v", err)
	}
}
