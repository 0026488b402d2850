package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"regexp"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/imaging"
	"github.com/kira-art/kira/internal/store"
)

// fileIDPattern is the API's FileId: ids are opaque `<prefix>_<uuid>`
// strings, but only this alphabet is ever accepted, so an id can never
// carry a path (no "/", no "..", nothing encoded).
var fileIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,200}$`)

func parseFileID(field, raw string) (string, error) {
	if !fileIDPattern.MatchString(raw) {
		return "", apperr.Invalidf("%s: must be an image id (1-200 characters of A-Z a-z 0-9 _ -)", field)
	}
	return raw, nil
}

var (
	errNoImage       = apperr.NotFoundf("Image not found")
	errNotYourImage  = apperr.New(apperr.Forbidden, "This image is not yours")
	errCSAMBlocked   = apperr.New(apperr.Blocked, "This image violates the content policy and was deleted").WithCode("csam_blocked")
	errCheckDown     = apperr.New(apperr.Unavailable, "The content check is unavailable; try again later")
	errStoredTooLong = errors.New("stored object exceeds the read limit")
)

// imageByID reads a registered image. Files of other kinds (video, audio)
// are not images: 404 like unknown ids.
func (s *Server) imageByID(ctx context.Context, id string) (store.File, error) {
	f, err := s.Store.GetFile(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && f.Kind != imaging.KindImage) {
		return store.File{}, errNoImage
	}
	return f, err
}

// ownedImage is imageByID for the owner only (403 for another user's).
func (s *Server) ownedImage(ctx context.Context, uid, id string) (store.File, error) {
	f, err := s.imageByID(ctx, id)
	if err == nil && f.UserID != uid {
		return store.File{}, errNotYourImage
	}
	return f, err
}

// maxStoredImageBytes bounds how much of a stored original is read back
// (uploads are at most 20 MiB; AI outputs are smaller).
const maxStoredImageBytes = 64 << 20

// readBlob reads a stored object of at most limit bytes.
func (s *Server) readBlob(ctx context.Context, key string, limit int64) ([]byte, error) {
	rc, err := s.Blobs.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: %w", key, errStoredTooLong)
	}
	return b, nil
}

// imageSlots bounds how many images are decoded and resized at once across
// the process: a 50-megapixel decode holds ~200 MB and a core, and
// uploads, derivative repairs and checks all pass through here.
var imageSlots = make(chan struct{}, 2)

func acquireImageSlot(ctx context.Context) (release func(), err error) {
	select {
	case imageSlots <- struct{}{}:
		return func() { <-imageSlots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// decodeStored decodes a stored image (pixels as stored; see
// decodeStoredOriented).
func (s *Server) decodeStored(ctx context.Context, key string) (image.Image, error) {
	img, _, err := s.decodeStoredOriented(ctx, key)
	return img, err
}

// decodeStoredOriented decodes a stored image and reads its EXIF
// orientation, for derivatives or a check.
func (s *Server) decodeStoredOriented(ctx context.Context, key string) (image.Image, int, error) {
	data, err := s.readBlob(ctx, key, maxStoredImageBytes)
	if err != nil {
		return nil, 1, err
	}
	img, _, err := imaging.Decode(data, imaging.DefaultMaxPixels)
	return img, imaging.Orientation(data), err
}

// writeDerivatives stores the thumbnail and blurred placeholder of img next
// to file fileID of user uid and returns what to record in the registry.
func (s *Server) writeDerivatives(ctx context.Context, uid, fileID string, img image.Image) (store.FileDerivatives, error) {
	return s.writeDerivativesOriented(ctx, uid, fileID, img, 1)
}

// writeDerivativesOriented is writeDerivatives for an image displayed under
// EXIF orientation o: sizes and derivatives are as users see the original.
func (s *Server) writeDerivativesOriented(ctx context.Context, uid, fileID string, img image.Image, o int) (store.FileDerivatives, error) {
	d, err := imaging.DeriveOriented(img, o)
	if err != nil {
		return store.FileDerivatives{}, apperr.Wrap(err, "derive image")
	}
	out := store.FileDerivatives{Width: d.Width, Height: d.Height, Blurhash: d.Blurhash,
		ThumbKey: blob.FileKey(uid, fileID, "thumb"+d.Thumb.Ext), BlurKey: blob.FileKey(uid, fileID, "blur"+d.Blur.Ext)}
	if _, err := s.Blobs.Put(ctx, out.ThumbKey, bytes.NewReader(d.Thumb.Data), d.Thumb.ContentType); err != nil {
		return store.FileDerivatives{}, apperr.Wrap(err, "store thumbnail")
	}
	if _, err := s.Blobs.Put(ctx, out.BlurKey, bytes.NewReader(d.Blur.Data), d.Blur.ContentType); err != nil {
		return store.FileDerivatives{}, apperr.Wrap(err, "store blur")
	}
	return out, nil
}

// hasDerivatives reports whether the pipeline already ran for an image.
func hasDerivatives(f store.File) bool {
	return f.ThumbKey != "" && f.BlurKey != "" && f.Blurhash != "" && f.Width > 0 && f.Height > 0
}

// ensureDerivatives makes an image's thumbnail, blur and blurhash when any
// is missing (e.g. an AI output registered before the pipeline ran). Two
// concurrent calls write the same keys with the same bytes, so no lock.
func (s *Server) ensureDerivatives(ctx context.Context, f store.File) (store.File, error) {
	if hasDerivatives(f) {
		return f, nil
	}
	release, err := acquireImageSlot(ctx)
	if err != nil {
		return f, err
	}
	defer release()
	img, o, err := s.decodeStoredOriented(ctx, f.StorageKey)
	if errors.Is(err, blob.ErrNotFound) {
		return f, apperr.NotFoundf("The image's file is gone")
	} else if err != nil {
		return f, apperr.Wrap(err, "decode stored image "+f.ID)
	}
	d, err := s.writeDerivativesOriented(ctx, f.UserID, f.ID, img, o)
	if err != nil {
		return f, err
	}
	return s.Store.SetFileDerivatives(ctx, f.ID, d)
}

// deleteFile removes every stored object of a file, then its registry row.
// Bytes go first: if that fails the row remains and a retry finds every
// key again, whereas the other order could orphan bytes behind still-valid
// signed URLs. Besides the recorded keys, the conventional derivative names
// are removed too, in case a run stored them but died before recording.
// A row already gone (a concurrent delete) is not an error.
func (s *Server) deleteFile(ctx context.Context, f store.File) error {
	if err := s.Blobs.Delete(ctx, objectKeys(f)...); err != nil {
		return apperr.Wrap(err, "delete file objects")
	}
	if _, err := s.Store.DeleteFile(ctx, f.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// objectKeys lists every key a file may occupy: the recorded ones and the
// conventional derivative names. Malformed keys are left out: they can hold
// no bytes, and one would fail the whole delete.
func objectKeys(f store.File) []string {
	keys := f.Keys()
	for _, name := range []string{"thumb.jpg", "thumb.png", "blur.jpg", "blur.png"} {
		keys = append(keys, blob.FileKey(f.UserID, f.ID, name))
	}
	valid := keys[:0]
	for _, k := range keys {
		if blob.ValidKey(k) {
			valid = append(valid, k)
		}
	}
	return valid
}

// uprightCheckSide bounds the copy a rotated (EXIF) image is checked as;
// unrotated images are checked at full size.
const uprightCheckSide = 1024

// checkImage runs the CSAM check on a stored image. A hit deletes the file
// with every derivative and its row and returns the 451 error; a checker
// that cannot decide (missing, failing, undecodable input) is a 503, never
// a pass. An image with no stored bytes left (neither original nor
// thumbnail) passes: there is nothing that could be shown.
func (s *Server) checkImage(ctx context.Context, f store.File) error {
	if s.Moderation == nil {
		return errCheckDown
	}
	release, err := acquireImageSlot(ctx)
	if err != nil {
		return err
	}
	img, o, err := s.decodeStoredOriented(ctx, f.StorageKey)
	if errors.Is(err, blob.ErrNotFound) && f.ThumbKey != "" {
		img, o, err = s.decodeStoredOriented(ctx, f.ThumbKey) // derivatives are stored upright: o is 1
	}
	if err == nil {
		img = imaging.Upright(img, o, uprightCheckSide) // checked as users see it
	}
	release()
	if errors.Is(err, blob.ErrNotFound) {
		s.log.WarnContext(ctx, "image has no stored bytes to check", "file_id", f.ID)
		return nil
	} else if err != nil {
		return &apperr.Error{Kind: apperr.Unavailable, Message: errCheckDown.Message, Err: fmt.Errorf("decode %s: %w", f.ID, err)}
	}
	v, err := s.Moderation.CheckImage(ctx, img)
	if err != nil {
		return &apperr.Error{Kind: apperr.Unavailable, Message: errCheckDown.Message, Err: fmt.Errorf("check %s: %w", f.ID, err)}
	}
	if !v.CSAM {
		return nil
	}
	s.log.WarnContext(ctx, "CSAM hit: deleting image", "file_id", f.ID, "owner", f.UserID, "reasons", v.Reasons)
	if err := s.deleteFile(ctx, f); err != nil {
		return err // not a 451 while bytes may remain: the caller retries
	}
	return errCSAMBlocked
}
