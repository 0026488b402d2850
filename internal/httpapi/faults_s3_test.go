package httpapi_test

import (
	"testing"

	"github.com/johannesboyne/gofakes3"

	"github.com/kira-art/kira/internal/blob/blobtest"
)

// publicObjects counts the objects in the fake S3's public bucket.
func (e s3Env) publicObjects() int {
	e.t.Helper()
	list, err := e.fake.Backend.ListBucket("kira-public", nil, gofakes3.ListBucketPage{})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(list.Contents)
}

// TestS3OutagePublish: publishing while S3 fails (503s, stalls past
// S3_TIMEOUT, or only writes failing, so the server-side copy is what
// breaks) is a clean 503; no post row and no public copy is left; the
// private original is untouched, and the same publish works once S3 is
// back.
func TestS3OutagePublish(t *testing.T) {
	t.Parallel()
	forEachS3Store(t, func(t *testing.T, e s3Env) {
		u := e.newUser()
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200)
		up := e.uploadImage(u, scene(11, 120, 90))
		for _, fault := range []blobtest.Fault{blobtest.Fail503, blobtest.Stall, blobtest.FailWrites} {
			e.proxy.Set(fault)
			expectError(t, e.do("POST", "/publish/", u.Token, map[string]any{"imageId": up.FileID}), 503, "storage")
			if n := e.count("SELECT COUNT(*) FROM feeds WHERE user_id = ?", u.ID); n != 0 {
				t.Fatalf("fault %d: %d post rows after a failed publish", fault, n)
			}
			if n := e.publicObjects(); n != 0 {
				t.Fatalf("fault %d: %d public objects after a failed publish", fault, n)
			}
		}
		e.proxy.Set(blobtest.Pass)
		if n := e.count("SELECT COUNT(*) FROM files WHERE user_id = ?", u.ID); n != 1 {
			t.Fatalf("%d file rows after the failed publishes, want the one upload", n)
		}
		var f feedJSON
		expect(t, e.do("POST", "/publish/", u.Token, map[string]any{"imageId": up.FileID}), 200).json(t, &f)
		if st, _ := e.get(f.Image.URL); st != 200 {
			t.Fatalf("public copy after recovery: %d", st)
		}
		if n := e.count("SELECT COUNT(*) FROM feeds WHERE user_id = ?", u.ID); n != 1 {
			t.Fatalf("%d post rows after recovery", n)
		}
	})
}
