package config

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestBlobSettings(t *testing.T) {
	t.Parallel()
	c, err := FromLookup(lookup(nil))
	if err != nil || c.Blob.Backend != "local" || c.Blob.S3Region != "us-east-1" || c.Blob.S3Timeout != 30*time.Second {
		t.Fatalf("defaults: %+v %v", c.Blob, err)
	}
	c, err = FromLookup(lookup(map[string]string{"BLOB_BACKEND": "s3", "S3_ENDPOINT": "http://minio:9000/", "S3_BUCKET": "kira",
		"S3_ACCESS_KEY_ID": "AKIDEXAMPLE", "S3_SECRET_ACCESS_KEY": "s3secretvalue123", "S3_FORCE_PATH_STYLE": "true", "S3_TIMEOUT": "5s"}))
	if err != nil {
		t.Fatal(err)
	}
	if b := c.Blob; b.S3Endpoint != "http://minio:9000" || b.S3PublicBucket != "kira" || !b.S3ForcePathStyle || b.S3Timeout != 5*time.Second {
		t.Fatalf("s3 settings: %+v", b)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", c)
	if strings.Contains(buf.String(), "s3secretvalue123") || !strings.Contains(buf.String(), `"blob_backend":"s3"`) {
		t.Fatalf("log: %s", buf.String())
	}
	_, err = FromLookup(lookup(map[string]string{"S3_FORCE_PATH_STYLE": "maybe", "S3_TIMEOUT": "-1s"}))
	for _, want := range []string{"S3_FORCE_PATH_STYLE", "S3_TIMEOUT"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
	_, err = FromLookup(lookup(map[string]string{"BLOB_BACKEND": "s3", "S3_ENDPOINT": "minio:9000"}))
	for _, want := range []string{"S3_BUCKET: required", "S3_ACCESS_KEY_ID: required", "S3_SECRET_ACCESS_KEY: required", "S3_ENDPOINT"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
	if _, err := FromLookup(lookup(map[string]string{"BLOB_BACKEND": "gcs"})); err == nil || !strings.Contains(err.Error(), "BLOB_BACKEND") {
		t.Fatalf("unknown backend: %v", err)
	}
}
