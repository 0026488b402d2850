package blob_test

import (
	"testing"

	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/blob/blobtest"
)

// backend is one Store under test.
type backend struct {
	name  string
	store blob.Store
}

// backends are the stores every behaviour test runs against: the local
// directory and S3 (gofakes3 through the real SDK), with a separate public
// bucket and with published copies in the private bucket.
func backends(t *testing.T) []backend {
	t.Helper()
	local, err := blob.NewLocal(t.TempDir(), blob.NewSigner("http://x", []byte("k")))
	if err != nil {
		t.Fatal(err)
	}
	srv := blobtest.Start(t, "kira", "kira-public")
	two, err := blob.NewS3(blobtest.Config(srv.URL, "kira", "kira-public"))
	if err != nil {
		t.Fatal(err)
	}
	srv1 := blobtest.Start(t, "one")
	one, err := blob.NewS3(blobtest.Config(srv1.URL, "one", ""))
	if err != nil {
		t.Fatal(err)
	}
	return []backend{{"local", local}, {"s3", two}, {"s3-one-bucket", one}}
}

// eachBackend runs f as a parallel subtest per backend.
func eachBackend(t *testing.T, f func(t *testing.T, s blob.Store)) {
	t.Helper()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f(t, b.store)
		})
	}
}
