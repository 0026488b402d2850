package config

import (
	"fmt"
	"strconv"
	"time"
)

// BlobConfig picks where file bytes live: the local directory under
// $KIRA_DATA_DIR/blobs (default, one instance) or an S3-compatible bucket
// (several instances share it).
type BlobConfig struct {
	Backend           string        // BLOB_BACKEND: local (default) or s3
	S3Endpoint        string        // S3_ENDPOINT: empty = AWS; MinIO, Supabase Storage, R2 give their URL
	S3Region          string        // S3_REGION, default us-east-1
	S3Bucket          string        // S3_BUCKET: private objects; required with s3
	S3PublicBucket    string        // S3_PUBLIC_BUCKET: published copies, under public/; default S3_BUCKET
	S3AccessKeyID     string        // S3_ACCESS_KEY_ID
	S3SecretAccessKey string        // S3_SECRET_ACCESS_KEY (secret)
	S3ForcePathStyle  bool          // S3_FORCE_PATH_STYLE: endpoint/bucket/key URLs (MinIO, Supabase)
	S3Timeout         time.Duration // S3_TIMEOUT, default 30s: longest wait for S3 to answer before a 503
}

// loadBlob reads the blob settings; it appends what is malformed to problems.
func (c *Config) loadBlob(get func(key, def string) string, problems *[]string) {
	c.Blob = BlobConfig{Backend: get("BLOB_BACKEND", "local"), S3Endpoint: trimSlash(get("S3_ENDPOINT", "")),
		S3Region: get("S3_REGION", "us-east-1"), S3Bucket: get("S3_BUCKET", ""),
		S3AccessKeyID: get("S3_ACCESS_KEY_ID", ""), S3SecretAccessKey: get("S3_SECRET_ACCESS_KEY", "")}
	c.Blob.S3PublicBucket = get("S3_PUBLIC_BUCKET", c.Blob.S3Bucket)
	ps, err := strconv.ParseBool(get("S3_FORCE_PATH_STYLE", "false"))
	if err != nil {
		*problems = append(*problems, "S3_FORCE_PATH_STYLE: want true or false")
	}
	c.Blob.S3ForcePathStyle = ps
	d, err := time.ParseDuration(get("S3_TIMEOUT", "30s"))
	if err != nil || d <= 0 {
		*problems = append(*problems, "S3_TIMEOUT: want a positive duration (e.g. 30s)")
	}
	c.Blob.S3Timeout = d
}

func (c Config) blobProblems() []string {
	var p []string
	switch c.Blob.Backend {
	case "local":
	case "s3":
		for name, v := range map[string]string{"S3_BUCKET": c.Blob.S3Bucket, "S3_ACCESS_KEY_ID": c.Blob.S3AccessKeyID,
			"S3_SECRET_ACCESS_KEY": c.Blob.S3SecretAccessKey} {
			if v == "" {
				p = append(p, name+": required with BLOB_BACKEND=s3")
			}
		}
		if c.Blob.S3Endpoint != "" && !hasScheme(c.Blob.S3Endpoint, "http", "https") {
			p = append(p, "S3_ENDPOINT: want an http(s) URL")
		}
	default:
		p = append(p, fmt.Sprintf("BLOB_BACKEND: %q is neither local nor s3", c.Blob.Backend))
	}
	return p
}
