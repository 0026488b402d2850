package files

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io"
	"os"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/imaging"
	"github.com/kira-art/kira/internal/store"
)

// A staged file has its bytes stored but no registry row yet: background
// tasks write their results first and record the rows together with the
// task's completion (store.CompleteTask), so a task cancelled meanwhile
// leaves no rows behind, only bytes that Discard removes.

// StageMedia stores a generated video or song from the file at path, after
// checking that its bytes are what contentType claims (a provider's broken
// or truncated download must fail, not be served).
func (s *Service) StageMedia(ctx context.Context, userID, kind, path, contentType string) (store.File, error) {
	src, err := os.Open(path)
	if err != nil {
		return store.File{}, apperr.Wrap(err, "open generated media")
	}
	defer src.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(src, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return store.File{}, ErrBrokenMedia
	}
	format, ok := imaging.Sniff(head[:n])
	if !ok || format.Kind != kind {
		return store.File{}, ErrBrokenMedia
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return store.File{}, apperr.Wrap(err, "rewind generated media")
	}
	f := store.File{ID: uuid.NewString(), UserID: userID, Kind: kind, Origin: "generated", ContentType: format.ContentType}
	f.StorageKey = blob.FileKey(userID, f.ID, "original"+format.Ext)
	size, err := s.Blobs.Put(ctx, f.StorageKey, src, format.ContentType)
	if err != nil {
		s.cleanup(ctx, f)
		return store.File{}, apperr.Wrap(err, "store generated media")
	}
	f.Size = size
	return f, nil
}

// ErrBrokenMedia means a generated file is not a video or song of the
// expected kind (empty, truncated, or something else).
var ErrBrokenMedia = errors.New("generated media file is broken")

// StageImage stores img as a PNG image file with its derivatives (a video
// thumbnail, a song cover).
func (s *Service) StageImage(ctx context.Context, userID string, img image.Image) (store.File, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return store.File{}, apperr.Wrap(err, "encode image")
	}
	f := store.File{ID: uuid.NewString(), UserID: userID, Kind: imaging.KindImage, Origin: "generated",
		ContentType: "image/png", Size: int64(buf.Len())}
	f.StorageKey = blob.FileKey(userID, f.ID, "original.png")
	d, err := s.writeDerivatives(ctx, userID, f.ID, img, 1)
	if err == nil {
		f = withDerivatives(f, d)
		_, err = s.Blobs.Put(ctx, f.StorageKey, &buf, f.ContentType)
	}
	if err != nil {
		s.cleanup(ctx, f)
		return store.File{}, apperr.Wrap(err, "store image")
	}
	return f, nil
}

// Discard removes the bytes of staged files whose rows were never written.
func (s *Service) Discard(ctx context.Context, staged ...store.File) {
	for _, f := range staged {
		if f.ID != "" {
			s.cleanup(ctx, f)
		}
	}
}

// Purge deletes files by id with every object they own, whoever owns them
// (the clean-up job of a deleted thread). Unknown ids are skipped.
func (s *Service) Purge(ctx context.Context, ids []string) error {
	got, err := s.Store.GetFiles(ctx, ids)
	if err != nil {
		return err
	}
	for _, f := range got {
		if err := s.deleteFile(ctx, f); err != nil {
			return err
		}
	}
	return nil
}
