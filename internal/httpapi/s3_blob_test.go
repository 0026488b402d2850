package httpapi_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/blob/blobtest"
	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/store"
)

// s3Env is a server with BLOB_BACKEND=s3 on a fake S3 (gofakes3 through
// the real SDK) behind a proxy that can fail on demand.
type s3Env struct {
	rawEnv
	proxy *blobtest.Proxy
	fake  *blobtest.Server // behind the proxy, for looking at the buckets
}

func forEachS3Store(t *testing.T, fn func(t *testing.T, e s3Env)) {
	t.Helper()
	var mu sync.Mutex
	proxies := map[*testing.T]*blobtest.Proxy{}
	fakes := map[*testing.T]*blobtest.Server{}
	forEachRawStoreWith(t, func(t *testing.T, st *store.Store) *env {
		srv := blobtest.Start(t, "kira", "kira-public")
		proxy := blobtest.NewProxy(t, srv.URL)
		mu.Lock()
		proxies[t], fakes[t] = proxy, srv
		mu.Unlock()
		return newEnv(t, st, func(c *config.Config) {
			c.Blob = config.BlobConfig{Backend: "s3", S3Endpoint: proxy.URL, S3Region: blobtest.Region, S3Bucket: "kira",
				S3PublicBucket: "kira-public", S3AccessKeyID: blobtest.AccessKeyID, S3SecretAccessKey: blobtest.SecretAccessKey,
				S3ForcePathStyle: true, S3Timeout: 500 * time.Millisecond}
		})
	}, func(t *testing.T, r rawEnv) {
		mu.Lock()
		p, f := proxies[t], fakes[t]
		mu.Unlock()
		fn(t, s3Env{rawEnv: r, proxy: p, fake: f})
	})
}

// get fetches a presigned URL straight from S3, as a browser would.
func (e s3Env) get(u string, header ...string) (int, []byte) {
	e.t.Helper()
	if !strings.HasPrefix(u, e.proxy.URL+"/") {
		e.t.Fatalf("URL %q does not point at S3 (%s)", u, e.proxy.URL)
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return res.StatusCode, b
}

// TestS3UploadPublishServe is the S3 smoke test at the API: uploads
// (image with derivatives, video), their presigned URLs served by S3 (with
// ranges for the video), publish as a server-side copy into the public
// bucket, and no /files/ route.
func TestS3UploadPublishServe(t *testing.T) {
	t.Parallel()
	forEachS3Store(t, func(t *testing.T, e s3Env) {
		u := e.newUser()
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200)
		data := pngBytes(t, scene(7, 200, 150))
		var up uploaded
		expect(t, e.uploadFile(u, "p.png", data), 200).json(t, &up)
		if up.Image == nil || !strings.Contains(up.Image.URL, "/kira/u/"+u.ID+"/"+up.FileID+"/original.png?") {
			t.Fatalf("upload answer %+v", up)
		}
		if st, got := e.get(up.Image.URL); st != 200 || !bytes.Equal(got, data) {
			t.Fatalf("original from S3: %d, %d bytes", st, len(got))
		}
		if st, got := e.get(up.Image.ThumbURL); st != 200 || len(got) == 0 {
			t.Fatalf("thumb from S3: %d", st)
		}
		video := append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), bytes.Repeat([]byte{7}, 4000)...)
		expect(t, e.uploadFile(u, "v.mp4", video), 200)
		var f feedJSON
		expect(t, e.do("POST", "/publish/", u.Token, map[string]any{"imageId": up.FileID}), 200).json(t, &f)
		if f.Image == nil || !strings.Contains(f.Image.URL, "/kira-public/public/"+u.ID+"/"+f.ID+"/original.png?") {
			t.Fatalf("published %+v", f.Image)
		}
		if st, got := e.get(f.Image.URL); st != 200 || !bytes.Equal(got, data) {
			t.Fatalf("public copy from S3: %d, %d bytes", st, len(got))
		}
		expect(t, e.do("GET", "/files/u/"+u.ID+"/"+up.FileID+"/original.png?exp=9999999999&sig=x", "", nil), 404)
		if n := e.count("SELECT COUNT(*) FROM files WHERE user_id = ?", u.ID); n != 2 {
			t.Fatalf("%d file rows, want 2", n)
		}
	})
}

// TestS3OutageUploads: with S3 answering 503 or not answering, uploads are
// a clean 503 (not a 500), no file row is written, and uploads work again
// once S3 is back.
func TestS3OutageUploads(t *testing.T) {
	t.Parallel()
	forEachS3Store(t, func(t *testing.T, e s3Env) {
		u := e.newUser()
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200)
		video := append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), bytes.Repeat([]byte{7}, 4000)...)
		for _, fault := range []blobtest.Fault{blobtest.Fail503, blobtest.Stall, blobtest.FailWrites} {
			e.proxy.Set(fault)
			start := time.Now()
			expectError(t, e.uploadFile(u, "p.png", pngBytes(t, scene(uint64(fault), 120, 90))), 503, "storage")
			expectError(t, e.uploadFile(u, "v.mp4", video), 503, "storage")
			if d := time.Since(start); d > 40*time.Second {
				t.Fatalf("fault %d: uploads took %v", fault, d)
			}
			if n := e.count("SELECT COUNT(*) FROM files WHERE user_id = ?", u.ID); n != 0 {
				t.Fatalf("fault %d: %d file rows after failed uploads", fault, n)
			}
		}
		e.proxy.Set(blobtest.Pass)
		expect(t, e.uploadFile(u, "v.mp4", video), 200)
		if n := e.count("SELECT COUNT(*) FROM files WHERE user_id = ?", u.ID); n != 1 {
			t.Fatalf("%d file rows after recovery", n)
		}
	})
}
