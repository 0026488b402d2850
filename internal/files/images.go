package files

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/imaging"
	"github.com/kira-art/kira/internal/store"
)

// maxStoredImageBytes bounds how much of a stored original is read back
// (uploads are at most 20 MiB; AI outputs are smaller).
const maxStoredImageBytes = 64 << 20

var errStoredTooLong = errors.New("stored object exceeds the read limit")

// Image reads a registered image. Files of other kinds (video, audio) are
// not images: ErrNoImage like unknown ids.
func (s *Service) Image(ctx context.Context, id string) (store.File, error) {
	f, err := s.Store.GetFile(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && f.Kind != imaging.KindImage) {
		return store.File{}, ErrNoImage
	}
	return f, err
}

// Owned is Image for its owner only (ErrNotYourImage for another user's).
func (s *Service) Owned(ctx context.Context, userID, id string) (store.File, error) {
	f, err := s.Image(ctx, id)
	if err == nil && f.UserID != userID {
		return store.File{}, ErrNotYourImage
	}
	return f, err
}

// Images reads many images in one query, in the order asked (an id asked
// twice is answered twice); unknown ids and other kinds are skipped.
func (s *Service) Images(ctx context.Context, ids []string) ([]store.File, error) {
	files, err := s.Store.GetFiles(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]store.File, 0, len(ids))
	for _, id := range ids {
		if f, ok := files[id]; ok && f.Kind == imaging.KindImage {
			out = append(out, f)
		}
	}
	return out, nil
}

// Ensure is the caller's image with its thumbnail, blur and blurhash made
// when any is missing (e.g. an AI output registered before the pipeline
// ran). Two concurrent calls write the same keys with the same bytes, so
// no lock.
func (s *Service) Ensure(ctx context.Context, userID, id string) (store.File, error) {
	f, err := s.Owned(ctx, userID, id)
	if err != nil || hasDerivatives(f) {
		return f, err
	}
	data, err := s.readBlob(ctx, f.StorageKey, maxStoredImageBytes)
	if errors.Is(err, blob.ErrNotFound) {
		return f, apperr.NotFoundf("The image's file is gone")
	} else if err != nil {
		return f, apperr.Wrap(err, "read stored image "+f.ID)
	}
	var d store.FileDerivatives
	err = s.withDecoded(ctx, bytes.NewReader(data), func(img image.Image, o int) error {
		var err error
		d, err = s.writeDerivatives(ctx, f.UserID, f.ID, img, o)
		return err
	})
	if err != nil {
		return f, storedDecodeError(f, err)
	}
	return s.Store.SetFileDerivatives(ctx, f.ID, d)
}

// Decode decodes a stored image (pixels as stored) under the decode
// bounds, for editing or inspection.
func (s *Service) Decode(ctx context.Context, f store.File) (image.Image, error) {
	data, err := s.readBlob(ctx, f.StorageKey, maxStoredImageBytes)
	if err != nil {
		return nil, err
	}
	var out image.Image
	err = s.withDecoded(ctx, bytes.NewReader(data), func(img image.Image, _ int) error {
		out = img
		return nil
	})
	return out, err
}

// storedDecodeError maps a failure to decode an image already stored: one
// too large for the bounds is the client's 413 (it was stored before the
// bounds, or by a provider), anything else internal.
func storedDecodeError(f store.File, err error) error {
	if e, ok := apperr.As(err); ok {
		return e
	}
	var px *imaging.PixelLimitError
	var mem *imaging.MemoryLimitError
	if errors.As(err, &px) || errors.As(err, &mem) {
		return DecodeError(err)
	}
	return apperr.Wrap(err, "decode stored image "+f.ID)
}

// headScan is how much of an image is read to find its EXIF orientation
// (the APP1 segment comes before the pixel data and is at most 64 KiB).
const headScan = 1 << 20

// withDecoded probes src's header against the limits (no slot needed, so
// a refusal is immediate), then takes a decode slot, decodes and runs fn
// with the image and its EXIF orientation while the slot is held: the slot
// bounds the memory of every image alive at once, not just its decoding.
func (s *Service) withDecoded(ctx context.Context, src io.ReadSeeker, fn func(img image.Image, orientation int) error) error {
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := imaging.Probe(src, s.Limits.Decode); err != nil {
		return err
	}
	release, err := acquire(ctx, s.decodeSlots)
	if err != nil {
		return err
	}
	defer release()
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return err
	}
	head, err := io.ReadAll(io.LimitReader(src, headScan))
	if err != nil {
		return err
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return err
	}
	img, _, err := imaging.DecodeLimited(src, s.Limits.Decode)
	if err != nil {
		return err
	}
	return fn(img, imaging.Orientation(head))
}

// readBlob reads a stored object of at most limit bytes.
func (s *Service) readBlob(ctx context.Context, key string, limit int64) ([]byte, error) {
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

// writeDerivatives stores the thumbnail and blurred placeholder of img
// (displayed under EXIF orientation o) next to file fileID of user uid and
// returns what to record in the registry.
func (s *Service) writeDerivatives(ctx context.Context, uid, fileID string, img image.Image, o int) (store.FileDerivatives, error) {
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

func withDerivatives(f store.File, d store.FileDerivatives) store.File {
	f.Width, f.Height, f.Blurhash, f.ThumbKey, f.BlurKey = d.Width, d.Height, d.Blurhash, d.ThumbKey, d.BlurKey
	return f
}
