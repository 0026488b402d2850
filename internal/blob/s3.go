package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/kira-art/kira/internal/apperr"
)

// S3 presigned URLs: SigV4 allows at most 7 days, so they are signed for
// S3URLTTL from the start of the current hour, which keeps them valid for
// more than 5 days (API.md asks for ≥ 1 day) and makes one key's URL the
// same for an hour (browser caches hit; the URL is cached like the local
// signer's).
const S3URLTTL = 6 * 24 * time.Hour

// MultipartThreshold is the size from which Put uploads in parts of
// PartSize (two at a time, each retried on its own); smaller objects are
// one PutObject. A multipart upload buffers (concurrency+1) parts, 24 MiB,
// which bounds memory with the upload slots of internal/files.
const (
	MultipartThreshold = 16 << 20
	PartSize           = 8 << 20
)

// publicPrefix is where published copies (area "p") live in the public
// bucket: p/<owner>/<file>/<name> is public/<owner>/<file>/<name>. The same
// mapping holds whether S3_PUBLIC_BUCKET is its own bucket or S3_BUCKET, so
// one bucket policy ("public/*" readable) fits both layouts.
const publicPrefix = "public/"

// S3Config configures the S3-compatible backend.
type S3Config struct {
	Endpoint        string // empty = AWS for Region
	Region          string
	Bucket          string // private objects
	PublicBucket    string // published copies; empty = Bucket
	AccessKeyID     string
	SecretAccessKey string
	ForcePathStyle  bool // MinIO, Supabase Storage, gofakes3
	// Timeout bounds the wait for S3 to answer a request (not the upload
	// of a large body) and the whole of small operations; 0 = 30 s.
	Timeout time.Duration
	// HTTPClient replaces the default client (tests); nil = a client with
	// Timeout as its response-header timeout.
	HTTPClient *http.Client
}

// S3 stores objects in an S3-compatible service and hands out presigned
// GET URLs, which S3 serves with ranges (video seeking) itself.
type S3 struct {
	client  *s3.Client
	presign *s3.PresignClient
	upload  *transfermanager.Client
	bucket  string
	public  string
	timeout time.Duration
	now     func() time.Time
	cache   urlCache
}

var _ Store = (*S3)(nil)

// NewS3 builds the backend; it does not contact S3 (the first request does).
func NewS3(cfg S3Config) (*S3, error) {
	if cfg.Bucket == "" || cfg.AccessKeyID == "" || cfg.SecretAccessKey == "" {
		return nil, errors.New("s3: bucket and credentials are required")
	}
	if cfg.PublicBucket == "" {
		cfg.PublicBucket = cfg.Bucket
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	hc := cfg.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.ResponseHeaderTimeout = cfg.Timeout
		tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		tr.MaxIdleConnsPerHost = 64
		hc = &http.Client{Transport: tr}
	}
	client := s3.New(s3.Options{
		Region:       cfg.Region,
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, "")),
		UsePathStyle: cfg.ForcePathStyle,
		HTTPClient:   hc,
		// Three attempts with short backoff: a request path waits at most
		// a few seconds before answering 503.
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.MaxBackoff = time.Second
		}),
		// S3-compatible services (MinIO, Supabase, R2) differ in their
		// support of the SDK's default CRC checksums; send them only where
		// the API requires one.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(strings.TrimRight(cfg.Endpoint, "/"))
		}
	})
	b := &S3{client: client, presign: s3.NewPresignClient(client),
		upload: transfermanager.New(client, func(o *transfermanager.Options) {
			o.PartSizeBytes = PartSize
			o.MultipartUploadThreshold = MultipartThreshold
			o.Concurrency = 2
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.FailTimeout = cfg.Timeout // abort an interrupted multipart upload even when ctx is gone
		}),
		bucket: cfg.Bucket, public: cfg.PublicBucket, timeout: cfg.Timeout, now: time.Now}
	b.cache.init()
	return b, nil
}

// locate maps a key to its bucket and object key (published copies go to
// the public bucket under public/).
func (b *S3) locate(key string) (bucket, object string, err error) {
	if !ValidKey(key) {
		return "", "", ErrBadKey
	}
	if rest, ok := strings.CutPrefix(key, AreaPublic+"/"); ok {
		return b.public, publicPrefix + rest, nil
	}
	return b.bucket, key, nil
}

// Put uploads the object: one PutObject below MultipartThreshold, a
// multipart upload (aborted on failure) above. S3 writes are atomic, so
// readers never see a half-written object.
func (b *S3) Put(ctx context.Context, key string, r io.Reader, contentType string) (int64, error) {
	bucket, object, err := b.locate(key)
	if err != nil {
		return 0, err
	}
	cr := &countingReader{r: r}
	in := &transfermanager.UploadObjectInput{Bucket: &bucket, Key: &object, Body: cr}
	if contentType == "" { // S3 serves the type it was given; guess it from the name
		contentType = mime.TypeByExtension(path.Ext(key))
	}
	if contentType != "" {
		in.ContentType = &contentType
	}
	if _, err := b.upload.UploadObject(ctx, in); err != nil {
		if cr.err != nil { // the reader failed, not S3
			return 0, fmt.Errorf("write %s: %w", key, cr.err)
		}
		return 0, b.fail(ctx, "put", key, err)
	}
	return cr.n, nil
}

// Open streams an object.
func (b *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	bucket, object, err := b.locate(key)
	if err != nil {
		return nil, err
	}
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &object})
	if err != nil {
		return nil, b.fail(ctx, "get", key, err)
	}
	return out.Body, nil
}

// Stat returns an object's size and ETag (`kira blob migrate` compares
// them); ErrNotFound when absent.
func (b *S3) Stat(ctx context.Context, key string) (size int64, etag string, err error) {
	bucket, object, err := b.locate(key)
	if err != nil {
		return 0, "", err
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	out, err := b.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &object})
	if err != nil {
		return 0, "", b.fail(ctx, "head", key, err)
	}
	return aws.ToInt64(out.ContentLength), strings.Trim(aws.ToString(out.ETag), `"`), nil
}

// Copy is a server-side CopyObject (publishing copies a file to the public
// bucket without its bytes passing through this server).
func (b *S3) Copy(ctx context.Context, src, dst string) error {
	sb, so, err := b.locate(src)
	if err != nil {
		return err
	}
	db, do, err := b.locate(dst)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	_, err = b.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &db, Key: &do, CopySource: aws.String(sb + "/" + so)})
	if err != nil {
		return b.fail(ctx, "copy", src, err)
	}
	return nil
}

// Delete removes objects with DeleteObjects, per bucket; missing keys are
// not an error (S3 reports deleting them as success).
func (b *S3) Delete(ctx context.Context, keys ...string) error {
	var errs []error
	byBucket := map[string][]string{}
	for _, k := range keys {
		bucket, object, err := b.locate(k)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		byBucket[bucket] = append(byBucket[bucket], object)
	}
	for bucket, objects := range byBucket {
		if err := b.deleteObjects(ctx, bucket, objects); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// deleteObjects deletes in batches of 1000 (the API's limit).
func (b *S3) deleteObjects(ctx context.Context, bucket string, objects []string) error {
	for len(objects) > 0 {
		n := min(len(objects), 1000)
		ids := make([]types.ObjectIdentifier, n)
		for i, o := range objects[:n] {
			ids[i] = types.ObjectIdentifier{Key: aws.String(o)}
		}
		objects = objects[n:]
		tctx, cancel := context.WithTimeout(ctx, b.timeout)
		out, err := b.client.DeleteObjects(tctx, &s3.DeleteObjectsInput{Bucket: &bucket,
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
		cancel()
		if err != nil {
			return b.fail(ctx, "delete", bucket, err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("s3 delete %s: %d failed, first %s: %s", aws.ToString(e.Key), len(out.Errors),
				aws.ToString(e.Code), aws.ToString(e.Message))
		}
	}
	return nil
}

// DeletePrefix lists the owner's objects (ListObjectsV2) and deletes them
// page by page; prefixes wider than one owner are refused as by Local.
func (b *S3) DeletePrefix(ctx context.Context, prefix string) error {
	if !ValidPrefix(prefix) {
		return ErrBadKey
	}
	bucket, object, err := b.locate(strings.TrimSuffix(prefix, "/"))
	if err != nil {
		return err
	}
	object += "/"
	pages := s3.NewListObjectsV2Paginator(b.client, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &object})
	for pages.HasMorePages() {
		tctx, cancel := context.WithTimeout(ctx, b.timeout)
		page, err := pages.NextPage(tctx)
		cancel()
		if err != nil {
			return b.fail(ctx, "list", prefix, err)
		}
		keys := make([]string, 0, len(page.Contents))
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		if err := b.deleteObjects(ctx, bucket, keys); err != nil {
			return err
		}
	}
	return nil
}

// URL presigns a GET for key, signed as of the current hour and cached for
// it. Presigning is local (no request to S3).
func (b *S3) URL(key string) string {
	hour := b.now().Truncate(time.Hour)
	if u, ok := b.cache.get(key, hour.Unix()); ok {
		return u
	}
	bucket, object, err := b.locate(key)
	if err != nil {
		return ""
	}
	req, err := b.presign.PresignGetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &object},
		func(o *s3.PresignOptions) {
			o.Expires = S3URLTTL
			o.Presigner = fixedTimePresigner{signer: v4.NewSigner(), at: hour}
		})
	if err != nil {
		return ""
	}
	b.cache.put(key, hour.Unix(), req.URL)
	return req.URL
}

// fixedTimePresigner signs as of a given time instead of now, so a key's
// URL stays the same within an hour.
type fixedTimePresigner struct {
	signer *v4.Signer
	at     time.Time
}

func (p fixedTimePresigner) PresignHTTP(ctx context.Context, cred aws.Credentials, r *http.Request, payloadHash,
	service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) (string, http.Header, error) {
	return p.signer.PresignHTTP(ctx, cred, r, payloadHash, service, region, p.at, optFns...)
}

// ErrStorageDown is the client-facing error of an S3 outage (503): S3
// unreachable, answering 5xx, or too slow.
var ErrStorageDown = apperr.New(apperr.Unavailable, "File storage is unavailable; try again later")

// fail classifies an S3 error: a missing object is ErrNotFound, the
// caller's own cancellation stays itself, a request S3 refused (4xx: bad
// credentials, missing bucket) is a plain error (500, a configuration
// fault), and anything else — network errors, 5xx, timeouts — is a 503.
func (b *S3) fail(ctx context.Context, op, key string, err error) error {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	var api smithy.APIError
	var status interface{ HTTPStatusCode() int }
	hasStatus := errors.As(err, &status)
	noBucket := errors.As(err, &api) && api.ErrorCode() == "NoSuchBucket"
	switch {
	case !noBucket && (errors.As(err, &nsk) || errors.As(err, &nf) || hasStatus && status.HTTPStatusCode() == http.StatusNotFound):
		return ErrNotFound
	case ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("s3 %s %s: %w", op, key, err)
	case hasStatus && status.HTTPStatusCode() >= 400 && status.HTTPStatusCode() < 500 &&
		status.HTTPStatusCode() != http.StatusRequestTimeout && status.HTTPStatusCode() != http.StatusTooManyRequests:
		return fmt.Errorf("s3 %s %s: %w", op, key, err)
	}
	e := *ErrStorageDown
	e.Err = fmt.Errorf("s3 %s %s: %w", op, key, err)
	return &e
}

// countingReader counts what Put read and remembers a read error, so a
// failed upload can be told from a failed source.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		c.err = err
	}
	return n, err
}
