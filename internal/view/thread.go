package view

import (
	"encoding/json"

	"github.com/kira-art/kira/internal/store"
)

// Thread is a chat thread in lists and on creation.
type Thread struct {
	ID            string  `json:"id"`
	ResourceID    string  `json:"resourceId,omitempty"`
	Title         string  `json:"title"`
	CreatedAt     string  `json:"createdAt,omitempty"`
	UpdatedAt     string  `json:"updatedAt,omitempty"`
	ThumbImageURL *string `json:"thumbImageUrl"`
}

// ThreadPage is GET /thread/threads.
type ThreadPage struct {
	Threads    []Thread `json:"threads"`
	HasMore    bool     `json:"hasMore"`
	NextCursor string   `json:"nextCursor,omitempty"`
}

// Thread renders a listed thread; thumbKey is its thumbnail's stored key
// ("" = none, shown as null).
func (c *Converter) Thread(t store.Thread, thumbKey string) Thread {
	v := Thread{ID: t.ID, Title: t.Title, CreatedAt: Time(t.CreatedAt), UpdatedAt: Time(t.UpdatedAt)}
	if thumbKey != "" {
		u := c.FileURL(thumbKey)
		v.ThumbImageURL = &u
	}
	return v
}

// NewThread is the answer of POST /thread/: {id, resourceId, title,
// thumbImageUrl: null}.
func (c *Converter) NewThread(t store.Thread) Thread {
	return Thread{ID: t.ID, ResourceID: t.UserID, Title: t.Title}
}

// Version is the Version object: one assistant turn's outputs.
type Version struct {
	ID         string  `json:"id"`
	ResourceID string  `json:"resourceId"`
	ThreadID   string  `json:"threadId"`
	MessageID  string  `json:"messageId"`
	Images     []Image `json:"images"`
	Videos     []Video `json:"videos"`
	Audios     []Audio `json:"audios"`
	CreatedAt  string  `json:"createdAt"`
}

// VersionOne is {version: Version} (POST /agent/task, POST
// /agent/chatMessage).
type VersionOne struct {
	Version Version `json:"version"`
}

// Version renders a version; images that are no longer registry files are
// left out (their URLs could not be signed).
func (c *Converter) Version(v store.Version) Version {
	out := Version{ID: v.ID, ResourceID: v.UserID, ThreadID: v.ThreadID, MessageID: v.MessageID,
		Images: []Image{}, Videos: []Video{}, Audios: []Audio{}, CreatedAt: Time(v.CreatedAt)}
	for _, img := range v.Images {
		if img.File != nil {
			out.Images = append(out.Images, c.DescribedImage(*img.File, img.Data))
		}
	}
	for _, t := range v.Tasks {
		m := c.Task(t, TaskKeys(t))
		if m.Video != nil {
			out.Videos = append(out.Videos, *m.Video)
		} else {
			out.Audios = append(out.Audios, *m.Audio)
		}
	}
	return out
}

// Versions renders versions in order.
func (c *Converter) Versions(vs []store.Version) []Version {
	out := make([]Version, 0, len(vs))
	for _, v := range vs {
		out = append(out, c.Version(v))
	}
	return out
}

// Timeline is one thread's media (API.md §3.2). id repeats threadId
// because clients read either.
type Timeline struct {
	ID         string      `json:"id"`
	ResourceID string      `json:"resourceId"`
	ThreadID   string      `json:"threadId"`
	Title      string      `json:"title"`
	CreatedAt  string      `json:"createdAt"`
	MediaItems []MediaItem `json:"mediaItems"`
	Images     []Image     `json:"images"`
	Videos     []Video     `json:"videos"`
	Audios     []Audio     `json:"audios"`
}

// TimelinePage is GET /thread/timelines.
type TimelinePage struct {
	Timelines []Timeline `json:"timelines"`
	HasMore   bool       `json:"hasMore"`
}

// MediaItem is one entry of a timeline's mediaItems: {type, data} where
// data is the Image, Video or Audio named by type.
type MediaItem struct {
	Type  string
	Image *Image
	Video *Video
	Audio *Audio
}

type mediaItemJSON struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

// MarshalJSON writes {type, data}.
func (m MediaItem) MarshalJSON() ([]byte, error) {
	out := mediaItemJSON{Type: m.Type}
	switch {
	case m.Image != nil:
		out.Data = m.Image
	case m.Video != nil:
		out.Data = m.Video
	case m.Audio != nil:
		out.Data = m.Audio
	}
	return json.Marshal(out)
}

// Timeline renders a thread's completed media. Every URL is signed here
// from rows the store loaded for the whole page at once.
func (c *Converter) Timeline(tl store.Timeline) Timeline {
	v := Timeline{ID: tl.Thread.ID, ResourceID: tl.Thread.UserID, ThreadID: tl.Thread.ID, Title: tl.Thread.Title,
		CreatedAt: Time(tl.Thread.CreatedAt), MediaItems: []MediaItem{}, Images: []Image{}, Videos: []Video{},
		Audios: []Audio{}}
	for _, it := range tl.Items {
		switch it.Kind {
		case store.MediaImage:
			img := c.DescribedImage(*it.Image.File, it.Image.Data)
			v.Images = append(v.Images, img)
			v.MediaItems = append(v.MediaItems, MediaItem{Type: it.Kind, Image: &img})
		case store.MediaVideo:
			vid := c.Video(*it.Task, timelineKeys(it))
			v.Videos = append(v.Videos, vid)
			v.MediaItems = append(v.MediaItems, MediaItem{Type: it.Kind, Video: &vid})
		case store.MediaAudio:
			a := c.Audio(*it.Task, timelineKeys(it))
			v.Audios = append(v.Audios, a)
			v.MediaItems = append(v.MediaItems, MediaItem{Type: it.Kind, Audio: &a})
		}
	}
	return v
}

func timelineKeys(it store.TimelineItem) MediaKeys {
	var k MediaKeys
	if it.Result != nil {
		k.Result = it.Result.StorageKey
	}
	if it.Thumb != nil {
		k.Thumb = it.Thumb.StorageKey
	}
	return k
}
