package view

import (
	"encoding/json"

	"github.com/kira-art/kira/internal/store"
)

// Image is the Image object of API.md §2.
type Image struct {
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

// ImageDescription is what a tool or a client said about an image (the
// JSON kept with a version's image); it fills fields the file registry
// does not know.
type ImageDescription struct {
	ImageID    string `json:"imageId,omitempty"`
	ToolCallID string `json:"toolCallId,omitempty"`
	ToolName   string `json:"toolName,omitempty"`
	Seed       *int64 `json:"seed,omitempty"`
	Prompt     string `json:"prompt,omitempty"`
}

// Image renders a registry file.
func (c *Converter) Image(f store.File) Image {
	return c.DescribedImage(f, nil)
}

// DescribedImage renders a registry file with a stored description
// (version image data) as fallback for what the row lacks. Missing
// derivatives fall back to the original: the upload pipeline makes them,
// and the original is a correct, if heavier, stand-in.
func (c *Converter) DescribedImage(f store.File, desc []byte) Image {
	var d ImageDescription
	if len(desc) > 0 {
		_ = json.Unmarshal(desc, &d) // a description is optional decoration
	}
	v := Image{
		ImageID: f.ID, URL: c.FileURL(f.StorageKey), ThumbURL: c.FileURL(f.ThumbKey), BlurURL: c.FileURL(f.BlurKey),
		Blurhash: f.Blurhash, Width: f.Width, Height: f.Height,
		ToolCallID: firstNonEmpty(f.ToolCallID, d.ToolCallID), ToolName: firstNonEmpty(f.ToolName, d.ToolName),
		Seed: f.Seed, Prompt: firstNonEmpty(f.Prompt, d.Prompt),
	}
	if v.ThumbURL == "" {
		v.ThumbURL = v.URL
	}
	if v.BlurURL == "" {
		v.BlurURL = v.ThumbURL
	}
	if v.Seed == nil {
		v.Seed = d.Seed
	}
	return v
}

// Images renders files in order.
func (c *Converter) Images(files []store.File) []Image {
	out := make([]Image, 0, len(files))
	for _, f := range files {
		out = append(out, c.Image(f))
	}
	return out
}

// ImageList is {images: Image[]} (GET /images, GET /user/authBg, the
// generateImage/editImage tool outputs).
type ImageList struct {
	Images []Image `json:"images"`
}

// Download is the answer of POST /download and /download/video: a signed
// URL of the original or of its watermarked copy.
type Download struct {
	URL         string `json:"url"`
	Watermarked bool   `json:"watermarked"`
}
