package httpapi

import (
	"bytes"
	"context"
	"image"
	"log/slog"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/imaging"
	"github.com/kira-art/kira/internal/media"
	"github.com/kira-art/kira/internal/store"
)

// AgentFiles lets the agent store generated images and load images to edit
// through the same pipeline as uploads (derivatives, blurhash, registry).
type AgentFiles struct{ s *Server }

// AgentFiles returns the agent's view of file storage.
func (s *Server) AgentFiles() AgentFiles { return AgentFiles{s} }

// SaveGenerated stores an AI output with its derivatives and registers it
// to userID; meta carries the id, origin, prompt, seed and tool call.
func (a AgentFiles) SaveGenerated(ctx context.Context, userID string, g media.GeneratedImage, meta store.File) (store.File, error) {
	img, _, err := imaging.Decode(g.Data, imaging.DefaultMaxPixels)
	if err != nil {
		return store.File{}, apperr.Wrap(err, "decode generated image")
	}
	f := meta
	f.UserID, f.Kind, f.ContentType, f.Size = userID, imaging.KindImage, g.ContentType, int64(len(g.Data))
	f.StorageKey = blob.FileKey(userID, f.ID, "original.png")
	d, err := a.s.writeDerivatives(ctx, userID, f.ID, img)
	if err != nil {
		return store.File{}, err
	}
	f.Width, f.Height, f.Blurhash, f.ThumbKey, f.BlurKey = d.Width, d.Height, d.Blurhash, d.ThumbKey, d.BlurKey
	if _, err := a.s.Blobs.Put(ctx, f.StorageKey, bytes.NewReader(g.Data), g.ContentType); err != nil {
		a.s.Blobs.Delete(context.WithoutCancel(ctx), objectKeys(f)...) //nolint:errcheck
		return store.File{}, apperr.Wrap(err, "store generated image")
	}
	created, err := a.s.Store.CreateFile(ctx, f)
	if err != nil {
		a.s.Blobs.Delete(context.WithoutCancel(ctx), objectKeys(f)...) //nolint:errcheck
	}
	return created, err
}

// Load decodes an image the user owns (editImage's source).
func (a AgentFiles) Load(ctx context.Context, userID, imageID string) (image.Image, error) {
	f, err := a.s.ownedImage(ctx, userID, imageID)
	if err != nil {
		return nil, err
	}
	return a.s.decodeStored(ctx, f.StorageKey)
}

// NewAgentFiles builds the agent's file pipeline over a store and blobs.
func NewAgentFiles(st *store.Store, blobs blob.Store, log *slog.Logger) AgentFiles {
	return AgentFiles{New(Deps{Store: st, Blobs: blobs, Logger: log})}
}
