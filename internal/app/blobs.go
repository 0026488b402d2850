package app

import (
	"fmt"
	"path/filepath"

	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/config"
)

// OpenBlobs builds the configured file store (BLOB_BACKEND): the local
// directory with URLs signed by this server, or S3 with presigned URLs.
// `kira seed` and `kira blob migrate` use it too.
func OpenBlobs(cfg config.Config) (blob.Store, error) {
	if cfg.Blob.Backend == "s3" {
		return OpenS3(cfg)
	}
	return OpenLocalBlobs(cfg)
}

// OpenLocalBlobs is the local store under $KIRA_DATA_DIR/blobs.
func OpenLocalBlobs(cfg config.Config) (*blob.Local, error) {
	signKey, err := blob.LoadOrCreateKey(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("url signing key: %w", err)
	}
	return blob.NewLocal(filepath.Join(cfg.DataDir, "blobs"), blob.NewSigner(cfg.PublicURL, signKey))
}

// OpenS3 is the S3 store of the S3_* settings.
func OpenS3(cfg config.Config) (*blob.S3, error) {
	b := cfg.Blob
	return blob.NewS3(blob.S3Config{Endpoint: b.S3Endpoint, Region: b.S3Region, Bucket: b.S3Bucket,
		PublicBucket: b.S3PublicBucket, AccessKeyID: b.S3AccessKeyID, SecretAccessKey: b.S3SecretAccessKey,
		ForcePathStyle: b.S3ForcePathStyle, Timeout: b.S3Timeout})
}
