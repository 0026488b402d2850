package httpapi

import (
	"context"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/view"
)

// renderFeed reads one post with its joins and renders it for the viewer.
func (s *Server) renderFeed(ctx context.Context, id, viewerID string) (view.Feed, error) {
	row, err := s.Store.FeedRowByID(ctx, id, viewerID)
	if err != nil {
		return view.Feed{}, err
	}
	return s.Views.Feed(&row, viewerID), nil
}

// feedCursorOf is the opaque keyset cursor after a post: the same encoding
// as thread cursors (base64url of "<micros>.<id>"), decoded by
// decodeFeedCursor.
func feedCursorOf(f store.Feed) string {
	return encodeThreadCursor(store.Thread{UpdatedAt: f.CreatedAt, ID: f.ID})
}

func decodeFeedCursor(raw string) (*store.FeedCursor, error) {
	c, err := decodeThreadCursor(raw)
	if c == nil || err != nil {
		return nil, err
	}
	return &store.FeedCursor{CreatedAt: c.UpdatedAt, ID: c.ID}, nil
}
