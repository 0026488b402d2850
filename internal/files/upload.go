package files

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/imaging"
	"github.com/kira-art/kira/internal/store"
)

// MaxUploadBytes are the upload limits per kind (API.md §3.7).
var MaxUploadBytes = map[string]int64{
	imaging.KindImage: 20 << 20,
	imaging.KindVideo: 200 << 20,
	imaging.KindAudio: 50 << 20,
}

var limitNames = map[string]string{imaging.KindImage: "20 MiB", imaging.KindVideo: "200 MiB", imaging.KindAudio: "50 MiB"}

// upload names what is being stored.
type upload struct {
	uid, id string
	format  imaging.Format
}

func (u upload) key(name string) string { return blob.FileKey(u.uid, u.id, name) }

func (u upload) file() store.File {
	return store.File{ID: u.id, UserID: u.uid, Kind: u.format.Kind, Origin: "insert", ContentType: u.format.ContentType,
		StorageKey: u.key("original" + u.format.Ext)}
}

func (u upload) tooLarge() error {
	return apperr.New(apperr.TooLarge, "file: %s files are limited to %s", u.format.Kind, limitNames[u.format.Kind])
}

// Upload stores one uploaded file for userID from its bytes. Its type comes
// from its first bytes only. Images are written to a temporary file (not
// memory), refused from their header when decoding would exceed the
// limits, decoded under a decode slot and get their derivatives before
// anything is stored; video and audio stream to storage as they arrive.
// At most Limits.UploadSlots uploads are in flight (ErrUploadsBusy).
//
// Errors reading body are mapped to a 400, except *apperr.Error values,
// which are returned as they are (the HTTP layer reports a request past its
// cap that way).
func (s *Service) Upload(ctx context.Context, userID string, body io.Reader) (store.File, error) {
	release, err := s.acquireUpload(ctx)
	if err != nil {
		return store.File{}, err
	}
	defer release()
	head := make([]byte, imaging.SniffLen)
	n, err := io.ReadFull(body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return store.File{}, readError(err)
	}
	if n == 0 {
		return store.File{}, apperr.Invalidf("file: is empty")
	}
	format, ok := imaging.Sniff(head[:n])
	if !ok {
		return store.File{}, apperr.New(apperr.Unsupported,
			"file: unsupported type; accepted are png, jpeg, webp, gif, mp4, webm, mp3, wav, m4a")
	}
	src := &limitedReader{r: io.MultiReader(bytes.NewReader(head[:n]), body), left: MaxUploadBytes[format.Kind]}
	up := upload{uid: userID, id: "insert_" + uuid.NewString(), format: format}
	if format.Kind == imaging.KindImage {
		return s.storeImage(ctx, up, src)
	}
	return s.storeStream(ctx, up, src)
}

// storeImage spools an image to a temporary file, decodes and derives it,
// and stores the original and its registry row.
func (s *Service) storeImage(ctx context.Context, up upload, src *limitedReader) (store.File, error) {
	tmp, err := os.CreateTemp(s.Limits.TempDir, "kira-upload-*")
	if err != nil {
		return store.File{}, apperr.Wrap(err, "spool upload")
	}
	defer func() { tmp.Close(); os.Remove(tmp.Name()) }() //nolint:errcheck // a temporary file
	size, err := io.Copy(tmp, src)
	if err != nil {
		if src.err != nil {
			return store.File{}, up.bodyError(src.err)
		}
		return store.File{}, apperr.Wrap(err, "spool upload")
	}
	f := up.file()
	f.Size = size
	err = s.withDecoded(ctx, tmp, func(img image.Image, o int) error {
		d, err := s.writeDerivatives(ctx, up.uid, up.id, img, o)
		f = withDerivatives(f, d)
		return err
	})
	if err != nil {
		s.cleanup(ctx, f)
		return store.File{}, DecodeError(err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return store.File{}, apperr.Wrap(err, "rewind upload")
	}
	if _, err := s.Blobs.Put(ctx, f.StorageKey, tmp, f.ContentType); err != nil {
		s.cleanup(ctx, f)
		return store.File{}, apperr.Wrap(err, "store original")
	}
	return s.register(ctx, f)
}

// storeStream copies a video or audio file to storage as it arrives.
func (s *Service) storeStream(ctx context.Context, up upload, src *limitedReader) (store.File, error) {
	f := up.file()
	size, err := s.Blobs.Put(ctx, f.StorageKey, src, f.ContentType)
	if err != nil {
		if src.err != nil { // the client's side failed, not storage
			return store.File{}, up.bodyError(src.err)
		}
		return store.File{}, apperr.Wrap(err, "store upload")
	}
	f.Size = size
	return s.register(ctx, f)
}

// bodyError maps a failure reading the upload: past the kind's limit is
// 413, anything else (client gone, broken multipart) readError.
func (u upload) bodyError(err error) error {
	if errors.Is(err, errKindLimit) {
		return u.tooLarge()
	}
	return readError(err)
}

// readError maps errors of reading the upload; an *apperr.Error from the
// caller's reader passes through.
func readError(err error) error {
	if e, ok := apperr.As(err); ok {
		return e
	}
	return &apperr.Error{Kind: apperr.Invalid, Message: "file: the upload could not be read (malformed or interrupted)", Err: err}
}

// DecodeError maps decoding errors to client errors: too many pixels or
// too much decoded memory 413, a format the decoder refuses 415, broken
// data (truncated, corrupt) 400. *apperr.Error values pass through.
func DecodeError(err error) error {
	var px *imaging.PixelLimitError
	var mem *imaging.MemoryLimitError
	if e, ok := apperr.As(err); ok {
		return e
	}
	switch {
	case errors.As(err, &px):
		return &apperr.Error{Kind: apperr.TooLarge, Err: err, Message: fmt.Sprintf(
			"file: a %d×%d image exceeds the limit of %d pixels", px.Width, px.Height, px.MaxPixels)}
	case errors.As(err, &mem):
		return &apperr.Error{Kind: apperr.TooLarge, Err: err, Message: fmt.Sprintf(
			"file: a %d×%d image at %d bytes per pixel needs %d MB of memory to decode; the limit is %d MB",
			mem.Width, mem.Height, mem.BytesPerPixel, mem.Bytes/1_000_000, mem.MaxBytes/1_000_000)}
	case errors.Is(err, imaging.ErrUnsupported):
		return apperr.New(apperr.Unsupported, "file: this image format or variant is not supported")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return &apperr.Error{Kind: apperr.Invalid, Message: "file: the image is corrupt or truncated", Err: err}
}

var errKindLimit = errors.New("upload exceeds its kind's limit")

// limitedReader reads at most left bytes and fails with errKindLimit when
// the source has more; it remembers the source's error so a failed Put can
// be told apart from a failed read.
type limitedReader struct {
	r    io.Reader
	left int64
	err  error
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1] // one byte past the limit tells "exactly at" from "over"
	}
	n, err := l.r.Read(p)
	if int64(n) > l.left {
		l.err = errKindLimit
		return int(l.left), l.err
	}
	l.left -= int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		l.err = err
	}
	return n, err
}
