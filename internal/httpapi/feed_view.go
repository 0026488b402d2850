package httpapi

import (
	"context"

	"github.com/kira-art/kira/internal/store"
)

// feedOwnerView is a post's author: {id, nickname, avatarUrl, plan}.
type feedOwnerView struct {
	ID        string  `json:"id"`
	Nickname  string  `json:"nickname"`
	AvatarURL *string `json:"avatarUrl"`
	Plan      string  `json:"plan"`
}

// feedView is the Feed object of API.md §2.
type feedView struct {
	ID            string         `json:"id"`
	MediaType     *string        `json:"mediaType"` // null means image (client compatibility)
	Owner         feedOwnerView  `json:"owner"`
	Image         *imageView     `json:"image,omitempty"`
	Video         map[string]any `json:"video,omitempty"`
	Audio         map[string]any `json:"audio,omitempty"`
	OriginImageID *string        `json:"originImageId"`
	Prompt        string         `json:"prompt"`
	LikedNumber   int            `json:"likedNumber"`
	IsLiked       bool           `json:"isLiked"`
	CreatedAt     string         `json:"createdAt"`
	Flag          *[]string      `json:"flag,omitempty"` // owner only, [] when public
}

// feedPageView is a page of posts; nextCursor only on GET /feed/.
type feedPageView struct {
	Feeds      []feedView `json:"feeds"`
	HasMore    bool       `json:"hasMore"`
	NextCursor string     `json:"nextCursor,omitempty"`
}

// renderFeeds renders posts for a viewer ("" = anonymous) with a fixed
// number of queries whatever the page size: owners, tasks, files and the
// viewer's likes are each read in one batch.
func (s *Server) renderFeeds(ctx context.Context, feeds []store.Feed, viewerID string) ([]feedView, error) {
	out := make([]feedView, 0, len(feeds))
	if len(feeds) == 0 {
		return out, nil
	}
	d, err := s.Store.LoadFeedPage(ctx, feeds, viewerID)
	if err != nil {
		return nil, err
	}
	for _, f := range feeds {
		out = append(out, s.feedOf(f, d, viewerID))
	}
	return out, nil
}

// renderFeed renders one post.
func (s *Server) renderFeed(ctx context.Context, f store.Feed, viewerID string) (feedView, error) {
	vs, err := s.renderFeeds(ctx, []store.Feed{f}, viewerID)
	if err != nil {
		return feedView{}, err
	}
	return vs[0], nil
}

func (s *Server) feedOf(f store.Feed, d store.FeedPageData, viewerID string) feedView {
	v := feedView{ID: f.ID, Owner: s.feedOwnerOf(f.UserID, d), Prompt: f.Prompt, LikedNumber: f.LikedNumber,
		IsLiked: d.Liked[f.ID], CreatedAt: apiTime(f.CreatedAt)}
	if f.OriginImageID != "" {
		v.OriginImageID = &f.OriginImageID
	}
	if viewerID != "" && viewerID == f.UserID {
		flags := append([]string{}, f.Flags...)
		v.Flag = &flags
	}
	switch f.MediaKind {
	case store.MediaVideo, store.MediaAudio:
		kind := f.MediaKind
		v.MediaType = &kind
		m := s.feedTaskOf(f, d)
		if kind == store.MediaVideo {
			v.Video = m
		} else {
			v.Audio = m
		}
	default:
		img := s.feedImageOf(f, d)
		v.Image = &img
	}
	return v
}

// feedImageOf is the post's image: the public copy as url, the registry's
// derivatives (when the file still exists) for thumbnail and blur.
func (s *Server) feedImageOf(f store.Feed, d store.FeedPageData) imageView {
	public := s.fileURL(f.PublicKey)
	file, ok := d.Files[f.ImageID]
	if !ok {
		return imageView{ImageID: f.ImageID, URL: public, ThumbURL: public, BlurURL: public, Prompt: f.Prompt}
	}
	img := s.imageOf(file, nil)
	if public != "" {
		img.URL = public
		if file.ThumbKey == "" {
			img.ThumbURL = public
		}
		if file.BlurKey == "" {
			img.BlurURL = img.ThumbURL
		}
	}
	return img
}

// feedTaskOf is the post's Video or Audio: the task as stored, its public
// copy as url and the thumbnail or cover from the registry.
func (s *Server) feedTaskOf(f store.Feed, d store.FeedPageData) map[string]any {
	t, ok := d.Tasks[f.TaskID]
	if !ok {
		// The task row is gone; the post and its public copy remain.
		t = store.MediaTask{ID: f.TaskID, Kind: f.MediaKind, Status: "completed", Provider: "unknown",
			Prompt: f.Prompt, CreatedAt: f.CreatedAt}
	}
	m := s.mediaTaskView(t)
	if u := s.fileURL(f.PublicKey); u != "" {
		m["url"] = u
	}
	if thumb, ok := d.Files[t.ThumbFileID]; ok {
		field := "thumbUrl"
		if f.MediaKind == store.MediaAudio {
			field = "coverUrl"
		}
		m[field] = s.fileURL(firstNonEmpty(thumb.ThumbKey, thumb.StorageKey))
	}
	return m
}

func (s *Server) feedOwnerOf(userID string, d store.FeedPageData) feedOwnerView {
	o, ok := d.Owners[userID]
	if !ok {
		return feedOwnerView{ID: userID, Nickname: "", Plan: "free"} // profile rows outlive posts; defensive only
	}
	v := feedOwnerView{ID: o.ID, Nickname: o.Nickname, Plan: o.Plan}
	if f, ok := d.Files[o.AvatarImageID]; ok {
		u := s.fileURL(firstNonEmpty(f.ThumbKey, f.StorageKey))
		v.AvatarURL = &u
	}
	return v
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
