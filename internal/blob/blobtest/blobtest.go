// Package blobtest starts an S3-speaking server for tests: gofakes3 with
// an in-memory backend on an httptest server, driven by the real AWS SDK
// through blob.S3 (path style, static credentials). Nothing of our
// interface is mocked.
package blobtest

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/kira-art/kira/internal/blob"
)

// Test credentials (gofakes3 does not check them).
const (
	AccessKeyID     = "test-access-key"
	SecretAccessKey = "test-secret-key"
	Region          = "us-east-1"
)

// Server is a running fake S3 with its buckets created.
type Server struct {
	*httptest.Server
	Backend *s3mem.Backend
}

// Start runs a fake S3 until the test ends, with the named buckets.
func Start(t testing.TB, buckets ...string) *Server {
	t.Helper()
	backend := s3mem.New()
	for _, b := range buckets {
		if err := backend.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	faker := gofakes3.New(backend, gofakes3.WithTimeSkewLimit(0))
	ts := httptest.NewServer(faker.Server())
	t.Cleanup(ts.Close)
	return &Server{Server: ts, Backend: backend}
}

// Config is a blob.S3Config for the server at endpoint (a Server's URL or
// a proxy in front of it).
func Config(endpoint, bucket, publicBucket string) blob.S3Config {
	return blob.S3Config{Endpoint: endpoint, Region: Region, Bucket: bucket, PublicBucket: publicBucket,
		AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey, ForcePathStyle: true, Timeout: 5 * time.Second,
		HTTPClient: &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 5 * time.Second}}}
}

// New is a blob.S3 on a fresh fake S3 (buckets "kira" and "kira-public").
func New(t testing.TB) *blob.S3 {
	t.Helper()
	srv := Start(t, "kira", "kira-public")
	s, err := blob.NewS3(Config(srv.URL, "kira", "kira-public"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
