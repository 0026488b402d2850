package view

import (
	"github.com/kira-art/kira/internal/store"
)

// Owner is a post's author as the feed shows it: {id, nickname, avatarUrl,
// plan}.
type Owner struct {
	ID        string  `json:"id"`
	Nickname  string  `json:"nickname"`
	AvatarURL *string `json:"avatarUrl"`
	Plan      string  `json:"plan"`
}

// Feed is the Feed object of API.md §2: a published post.
type Feed struct {
	ID            string    `json:"id"`
	MediaType     *string   `json:"mediaType"` // null means image (client compatibility)
	Owner         Owner     `json:"owner"`
	Image         *Image    `json:"image,omitempty"`
	Video         *Video    `json:"video,omitempty"`
	Audio         *Audio    `json:"audio,omitempty"`
	OriginImageID *string   `json:"originImageId"`
	Prompt        string    `json:"prompt"`
	LikedNumber   int       `json:"likedNumber"`
	IsLiked       bool      `json:"isLiked"`
	CreatedAt     string    `json:"createdAt"`
	Flag          *[]string `json:"flag,omitempty"` // owner only, [] when public
}

// FeedPage is a page of posts; nextCursor only on GET /feed/.
type FeedPage struct {
	Feeds      []Feed `json:"feeds"`
	HasMore    bool   `json:"hasMore"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// FeedList is {feeds: Feed[]} (GET /feed/featured).
type FeedList struct {
	Feeds []Feed `json:"feeds"`
}

// Like is the answer of the /like routes.
type Like struct {
	Liked       bool `json:"liked"`
	LikedNumber int  `json:"likedNumber"`
}

var (
	mediaVideo = store.MediaVideo
	mediaAudio = store.MediaAudio
)

// Feeds renders posts read with their joins for viewerID ("" =
// anonymous).
func (c *Converter) Feeds(rows []store.FeedRow, viewerID string) []Feed {
	out := make([]Feed, 0, len(rows))
	for i := range rows {
		out = append(out, c.Feed(&rows[i], viewerID))
	}
	return out
}

// Feed renders one post. Flags are shown to the owner only; isLiked comes
// from the row (read for viewerID).
func (c *Converter) Feed(r *store.FeedRow, viewerID string) Feed {
	f := &r.Feed
	v := Feed{ID: f.ID, Owner: c.owner(r), Prompt: f.Prompt, LikedNumber: f.LikedNumber, IsLiked: r.Liked,
		CreatedAt: Time(f.CreatedAt)}
	if f.OriginImageID != "" {
		v.OriginImageID = &f.OriginImageID
	}
	if viewerID != "" && viewerID == f.UserID {
		flags := append([]string{}, f.Flags...)
		v.Flag = &flags
	}
	switch f.MediaKind {
	case store.MediaVideo:
		v.MediaType = &mediaVideo
		vid := c.Video(c.feedTask(r), c.feedTaskKeys(r))
		v.Video = &vid
	case store.MediaAudio:
		v.MediaType = &mediaAudio
		a := c.Audio(c.feedTask(r), c.feedTaskKeys(r))
		v.Audio = &a
	default:
		img := c.feedImage(r)
		v.Image = &img
	}
	return v
}

// ForViewer copies a page of public posts rendered for anonymous viewers
// (a cached page: entries are shared, so the copy is what changes) and
// sets what only viewerID sees: isLiked from liked, and on the viewer's own
// posts the flags, which are [] for a public post.
func ForViewer(feeds []Feed, viewerID string, liked map[string]bool) []Feed {
	out := make([]Feed, len(feeds))
	copy(out, feeds)
	for i := range out {
		out[i].IsLiked = liked[out[i].ID]
		if out[i].Owner.ID == viewerID {
			out[i].Flag = &[]string{}
		}
	}
	return out
}

func (c *Converter) owner(r *store.FeedRow) Owner {
	if !r.Owner.Found {
		return Owner{ID: r.UserID, Plan: "free"} // profile rows outlive posts; defensive only
	}
	o := Owner{ID: r.UserID, Nickname: r.Owner.Nickname, Plan: r.Owner.Plan}
	if r.Owner.AvatarKey != "" {
		u := c.FileURL(r.Owner.AvatarKey)
		o.AvatarURL = &u
	}
	return o
}

// feedImage is the post's image: the public copy as url, the registry's
// derivatives (when the file still exists) for thumbnail and blur.
func (c *Converter) feedImage(r *store.FeedRow) Image {
	public := c.FileURL(r.PublicKey)
	if r.Image == nil {
		return Image{ImageID: r.ImageID, URL: public, ThumbURL: public, BlurURL: public, Prompt: r.Prompt}
	}
	if public == "" {
		return c.Image(*r.Image)
	}
	// Sign only what is shown: the original's URL is replaced by the copy.
	file := *r.Image
	file.StorageKey = ""
	img := c.Image(file)
	img.URL = public
	if file.ThumbKey == "" {
		img.ThumbURL = public
	}
	if file.BlurKey == "" {
		img.BlurURL = img.ThumbURL
	}
	return img
}

// feedTask is the task behind a video or audio post; when its row is gone
// the post and its public copy remain, described from the post.
func (c *Converter) feedTask(r *store.FeedRow) store.MediaTask {
	if r.Task != nil {
		return *r.Task
	}
	return store.MediaTask{ID: r.TaskID, Kind: r.MediaKind, Status: "completed", Provider: "unknown",
		Prompt: r.Prompt, CreatedAt: r.CreatedAt}
}

func (c *Converter) feedTaskKeys(r *store.FeedRow) MediaKeys {
	return MediaKeys{Result: r.PublicKey, Thumb: r.TaskThumbKey}
}
