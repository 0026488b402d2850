package files

import (
	"context"
	"errors"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/imaging"
	"github.com/kira-art/kira/internal/store"
)

// Delete removes the caller's image with every object it owns. It is
// idempotent: the row goes with the bytes, so an unknown id (deleted or
// never existing) is nil for anyone; another user's image is
// ErrNotYourImage and a file of another kind ErrNoImage, nothing touched.
// Public copies of posts made from the image stay: they belong to the
// posts (DELETE /feed/:id removes them).
func (s *Service) Delete(ctx context.Context, userID, id string) error {
	f, err := s.Store.GetFile(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case f.UserID != userID:
		return ErrNotYourImage
	case f.Kind != imaging.KindImage:
		return ErrNoImage
	}
	return s.deleteFile(ctx, f)
}

// deleteFile removes every stored object of a file (and the extra keys),
// then its registry row. Bytes go first: if that fails the row remains and
// a retry finds every key again, whereas the other order could orphan
// bytes behind still-valid signed URLs. A row already gone (a concurrent
// delete) is not an error.
func (s *Service) deleteFile(ctx context.Context, f store.File, extra ...string) error {
	if err := s.Blobs.Delete(ctx, validKeys(append(objectKeys(f), extra...))...); err != nil {
		return apperr.Wrap(err, "delete file objects")
	}
	if _, err := s.Store.DeleteFile(ctx, f.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// objectKeys lists every key a file may own: the recorded ones and the
// conventional derivative names, in case a run stored them but died before
// recording. Public copies are not the file's (store.File.Keys).
func objectKeys(f store.File) []string {
	keys := f.Keys()
	for _, name := range []string{"thumb.jpg", "thumb.png", "blur.jpg", "blur.png",
		"watermark.jpg", "watermark.png", "watermark.mp4"} {
		keys = append(keys, blob.FileKey(f.UserID, f.ID, name))
	}
	return keys
}

// validKeys drops malformed keys: they can hold no bytes, and one would
// fail the whole delete.
func validKeys(keys []string) []string {
	valid := keys[:0]
	for _, k := range keys {
		if blob.ValidKey(k) {
			valid = append(valid, k)
		}
	}
	return valid
}

// cleanup removes what a failed ingestion stored. Detached context: the
// request's may be the reason we are cleaning up.
func (s *Service) cleanup(ctx context.Context, f store.File) {
	if err := s.Blobs.Delete(context.WithoutCancel(ctx), validKeys(objectKeys(f))...); err != nil {
		s.Log.Warn("cleanup of a failed ingestion", "file_id", f.ID, "err", err)
	}
}
