package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/kira-art/kira/internal/app"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/blob/blobtest"
	"github.com/kira-art/kira/internal/config"
)

// TestBlobMigrate copies a local store into a fake S3 (gofakes3), runs
// again to show it skips what is there, and recopies an object whose bytes
// changed.
func TestBlobMigrate(t *testing.T) {
	srv := blobtest.Start(t, "kira", "kira-public")
	dir := t.TempDir()
	for k, v := range map[string]string{"KIRA_DATA_DIR": dir, "DATABASE_URL": "", "BLOB_BACKEND": "local",
		"S3_ENDPOINT": srv.URL, "S3_BUCKET": "kira", "S3_PUBLIC_BUCKET": "kira-public", "S3_REGION": blobtest.Region,
		"S3_ACCESS_KEY_ID": blobtest.AccessKeyID, "S3_SECRET_ACCESS_KEY": blobtest.SecretAccessKey, "S3_FORCE_PATH_STYLE": "true"} {
		t.Setenv(k, v)
	}
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	local, err := app.OpenLocalBlobs(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	objects := map[string]string{"u/a/f1/original.png": "png bytes", "u/a/f1/thumb.jpg": "thumb", "p/a/post/original.png": "public copy"}
	for k, v := range objects {
		if _, err := local.Put(ctx, k, strings.NewReader(v), ""); err != nil {
			t.Fatal(err)
		}
	}
	migrate := func(want ...string) {
		t.Helper()
		var out, errOut strings.Builder
		if err := run(ctx, []string{"blob", "migrate"}, &out, &errOut); err != nil {
			t.Fatalf("blob migrate: %v (%s)", err, errOut.String())
		}
		for _, w := range want {
			if !strings.Contains(errOut.String(), w) {
				t.Fatalf("stderr %q, want %q", errOut.String(), w)
			}
		}
	}
	migrate("copied 3/3", "3 objects, 3 copied", "0 already there")
	s3, err := app.OpenS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range objects {
		if got := readAll(t, s3, k); got != v {
			t.Fatalf("%s in S3: %q", k, got)
		}
	}
	migrate("3 objects, 0 copied (0.0 MiB), 3 already there")
	if _, err := local.Put(ctx, "u/a/f1/thumb.jpg", strings.NewReader("THUMB"), ""); err != nil { // same size, new bytes
		t.Fatal(err)
	}
	migrate("1 copied", "2 already there")
	if got := readAll(t, s3, "u/a/f1/thumb.jpg"); got != "THUMB" {
		t.Fatalf("changed object in S3: %q", got)
	}
}

func TestBlobMigrateNeedsS3Settings(t *testing.T) {
	t.Setenv("KIRA_DATA_DIR", t.TempDir())
	t.Setenv("S3_BUCKET", "")
	var out, errOut strings.Builder
	if err := run(t.Context(), []string{"blob", "migrate"}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "S3_BUCKET") {
		t.Fatalf("without S3 settings: %v", err)
	}
	if err := run(t.Context(), []string{"blob"}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Fatalf("without subcommand: %v", err)
	}
}

func readAll(t *testing.T, s blob.Store, key string) string {
	t.Helper()
	r, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer r.Close()
	b, _ := io.ReadAll(r)
	return string(b)
}
