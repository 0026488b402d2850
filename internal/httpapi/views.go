package httpapi

import (
	"encoding/json"

	"github.com/kira-art/kira/internal/store"
)

// imageView is the Image object of API.md §2.
type imageView struct {
	ImageID    string `json:"imageId"`
	URL        string `json:"url"`
	ThumbURL   string `json:"thumbUrl"`
	BlurURL    string `json:"blurUrl"`
	Blurhash   string `json:"blurhash"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	ToolCallID string `json:"toolCallId,omitempty"`
	ToolName   string `json:"toolName,omitempty"`
	Seed       *int64 `json:"seed,omitempty"`
	Prompt     string `json:"prompt,omitempty"`
}

// imageDescription is what a tool or client said about an image; it fills
// fields the file registry does not know.
type imageDescription struct {
	ToolCallID string `json:"toolCallId"`
	ToolName   string `json:"toolName"`
	Seed       *int64 `json:"seed"`
	Prompt     string `json:"prompt"`
}

// fileURL signs a storage key; empty keys give empty URLs.
func (s *Server) fileURL(key string) string {
	if key == "" {
		return ""
	}
	return s.Blobs.URL(key)
}

// imageOf renders a registry file, with the description as fallback.
func (s *Server) imageOf(f store.File, desc []byte) imageView {
	var d imageDescription
	_ = json.Unmarshal(desc, &d) // a description is optional decoration
	v := imageView{
		ImageID: f.ID, URL: s.fileURL(f.StorageKey), ThumbURL: s.fileURL(f.ThumbKey), BlurURL: s.fileURL(f.BlurKey),
		Blurhash: f.Blurhash, Width: f.Width, Height: f.Height,
		ToolCallID: firstNonEmpty(f.ToolCallID, d.ToolCallID), ToolName: firstNonEmpty(f.ToolName, d.ToolName),
		Seed: f.Seed, Prompt: firstNonEmpty(f.Prompt, d.Prompt),
	}
	if v.ThumbURL == "" {
		v.ThumbURL = v.URL // derivatives are made by the upload pipeline; the original is a correct fallback
	}
	if v.BlurURL == "" {
		v.BlurURL = v.ThumbURL
	}
	if v.Seed == nil {
		v.Seed = d.Seed
	}
	return v
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// mediaTaskView renders a video or music task (API.md §2 Video / Audio).
func (s *Server) mediaTaskView(t store.MediaTask) map[string]any {
	v := map[string]any{}
	_ = json.Unmarshal(t.Params, &v) // params are written by the server as an object
	v["taskId"] = t.ID
	v["status"] = t.Status
	v["provider"] = t.Provider
	v["prompt"] = t.Prompt
	v["createdAt"] = apiTime(t.CreatedAt)
	if t.ErrorMessage != "" {
		v["errorMessage"] = t.ErrorMessage
	}
	if t.Kind == "video" {
		if t.SourceImageID != "" {
			v["sourceImageId"] = t.SourceImageID
		}
		if t.ResultFileID != "" {
			v["videoId"], v["thumbId"] = t.ResultFileID, t.ThumbFileID
			v["width"], v["height"], v["blurhash"] = t.Width, t.Height, t.Blurhash
		}
		return v
	}
	if t.ResultFileID != "" {
		v["audioId"], v["coverId"] = t.ResultFileID, t.ThumbFileID
		v["duration"] = float64(t.DurationMS) / 1000
	}
	return v
}

// versionView is the Version object.
type versionView struct {
	ID         string           `json:"id"`
	ResourceID string           `json:"resourceId"`
	ThreadID   string           `json:"threadId"`
	MessageID  string           `json:"messageId"`
	Images     []imageView      `json:"images"`
	Videos     []map[string]any `json:"videos"`
	Audios     []map[string]any `json:"audios"`
	CreatedAt  string           `json:"createdAt"`
}

func (s *Server) versionOf(v store.Version) versionView {
	out := versionView{ID: v.ID, ResourceID: v.UserID, ThreadID: v.ThreadID, MessageID: v.MessageID,
		Images: []imageView{}, Videos: []map[string]any{}, Audios: []map[string]any{}, CreatedAt: apiTime(v.CreatedAt)}
	for _, img := range v.Images {
		if img.File != nil {
			out.Images = append(out.Images, s.imageOf(*img.File, img.Data))
		}
	}
	for _, t := range v.Tasks {
		if t.Kind == "video" {
			out.Videos = append(out.Videos, s.mediaTaskView(t))
		} else {
			out.Audios = append(out.Audios, s.mediaTaskView(t))
		}
	}
	return out
}
