package files

import (
	"bytes"
	"context"
	"image"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/imaging"
	"github.com/kira-art/kira/internal/media"
	"github.com/kira-art/kira/internal/store"
)

// SaveGenerated stores an AI output with its derivatives and registers it
// to userID; meta carries the id, origin, prompt, seed and tool call. It
// implements agent.ImageFiles.
func (s *Service) SaveGenerated(ctx context.Context, userID string, g media.GeneratedImage, meta store.File) (store.File, error) {
	f := meta
	f.UserID, f.Kind, f.ContentType, f.Size = userID, imaging.KindImage, g.ContentType, int64(len(g.Data))
	f.StorageKey = blob.FileKey(userID, f.ID, "original.png")
	err := s.withDecoded(ctx, bytes.NewReader(g.Data), func(img image.Image, o int) error {
		d, err := s.writeDerivatives(ctx, userID, f.ID, img, o)
		f = withDerivatives(f, d)
		return err
	})
	if err != nil {
		s.cleanup(ctx, f)
		if _, ok := apperr.As(err); ok {
			return store.File{}, err
		}
		return store.File{}, apperr.Wrap(err, "decode generated image")
	}
	if _, err := s.Blobs.Put(ctx, f.StorageKey, bytes.NewReader(g.Data), g.ContentType); err != nil {
		s.cleanup(ctx, f)
		return store.File{}, apperr.Wrap(err, "store generated image")
	}
	return s.register(ctx, f)
}

// Load decodes an image the user owns (editImage's source). It implements
// agent.ImageFiles.
func (s *Service) Load(ctx context.Context, userID, imageID string) (image.Image, error) {
	f, err := s.Owned(ctx, userID, imageID)
	if err != nil {
		return nil, err
	}
	img, err := s.Decode(ctx, f)
	if err != nil {
		return nil, storedDecodeError(f, err)
	}
	return img, nil
}

// register inserts the registry row, removing the stored objects if that
// fails so no unregistered bytes remain.
func (s *Service) register(ctx context.Context, f store.File) (store.File, error) {
	created, err := s.Store.CreateFile(ctx, f)
	if err != nil {
		s.cleanup(ctx, f)
		return store.File{}, err
	}
	return created, nil
}
