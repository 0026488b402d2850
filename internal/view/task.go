package view

import (
	"encoding/json"

	"github.com/kira-art/kira/internal/store"
)

// Video is the Video object of API.md §2: a video task and its result.
type Video struct {
	TaskID        string   `json:"taskId"`
	Status        string   `json:"status"`
	Provider      string   `json:"provider"`
	Duration      *float64 `json:"duration,omitempty"`
	Ratio         string   `json:"ratio,omitempty"`
	Prompt        string   `json:"prompt"`
	SourceImageID string   `json:"sourceImageId,omitempty"`
	VideoID       string   `json:"videoId,omitempty"`
	ThumbID       string   `json:"thumbId,omitempty"`
	URL           string   `json:"url,omitempty"`
	ThumbURL      string   `json:"thumbUrl,omitempty"`
	Width         int      `json:"width,omitempty"`
	Height        int      `json:"height,omitempty"`
	Blurhash      string   `json:"blurhash,omitempty"`
	ErrorMessage  string   `json:"errorMessage,omitempty"`
	CreatedAt     string   `json:"createdAt"`
}

// Audio is the Audio object of API.md §2: a music task and its result.
type Audio struct {
	TaskID       string   `json:"taskId"`
	Status       string   `json:"status"`
	Provider     string   `json:"provider"`
	Prompt       string   `json:"prompt"`
	Lyrics       string   `json:"lyrics,omitempty"`
	Style        string   `json:"style,omitempty"`
	Title        string   `json:"title,omitempty"`
	Instrumental *bool    `json:"instrumental,omitempty"`
	Duration     *float64 `json:"duration,omitempty"`
	AudioID      string   `json:"audioId,omitempty"`
	CoverID      string   `json:"coverId,omitempty"`
	URL          string   `json:"url,omitempty"`
	CoverURL     string   `json:"coverUrl,omitempty"`
	ErrorMessage string   `json:"errorMessage,omitempty"`
	CreatedAt    string   `json:"createdAt"`
}

// MediaKeys are the stored objects a task view links to: its result and its
// thumbnail (video) or cover (audio). Empty keys give no URL.
type MediaKeys struct {
	Result, Thumb string
}

// TaskKeys are a task's own result and thumbnail keys, as the store read
// them with it.
func TaskKeys(t store.MediaTask) MediaKeys {
	return MediaKeys{Result: t.ResultKey, Thumb: t.ThumbKey}
}

// taskParams are the generation parameters kept with a task
// (media_tasks.params). Fields of a wrong type are ignored one by one: the
// model writes some of them.
type taskParams struct {
	Duration     *float64
	Ratio        string
	Lyrics       string
	Style        string
	Title        string
	Instrumental *bool
}

func parseTaskParams(raw []byte) taskParams {
	var p taskParams
	if len(raw) == 0 || string(raw) == "{}" {
		return p
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return p
	}
	decodeField(fields, "duration", &p.Duration)
	decodeField(fields, "ratio", &p.Ratio)
	decodeField(fields, "lyrics", &p.Lyrics)
	decodeField(fields, "style", &p.Style)
	decodeField(fields, "title", &p.Title)
	decodeField(fields, "instrumental", &p.Instrumental)
	return p
}

func decodeField[T any](fields map[string]json.RawMessage, name string, dst *T) {
	if raw, ok := fields[name]; ok {
		var v T
		if json.Unmarshal(raw, &v) == nil {
			*dst = v
		}
	}
}

// validRatios are the ratios the Video schema allows; anything else a model
// wrote is left out rather than breaking the response.
var validRatios = map[string]bool{"auto": true, "16:9": true, "9:16": true, "1:1": true}

// Video renders a video task; keys name its result files for URLs.
func (c *Converter) Video(t store.MediaTask, keys MediaKeys) Video {
	p := parseTaskParams(t.Params)
	v := Video{TaskID: t.ID, Status: t.Status, Provider: t.Provider, Prompt: t.Prompt, Duration: nonNegative(p.Duration),
		SourceImageID: t.SourceImageID, ErrorMessage: t.ErrorMessage, CreatedAt: Time(t.CreatedAt),
		URL: c.FileURL(keys.Result), ThumbURL: c.FileURL(keys.Thumb)}
	if validRatios[p.Ratio] {
		v.Ratio = p.Ratio
	}
	if t.ResultFileID != "" {
		v.VideoID, v.ThumbID = t.ResultFileID, t.ThumbFileID
		v.Width, v.Height, v.Blurhash = t.Width, t.Height, t.Blurhash
	}
	return v
}

// Audio renders a music task; keys name its result files for URLs.
func (c *Converter) Audio(t store.MediaTask, keys MediaKeys) Audio {
	p := parseTaskParams(t.Params)
	a := Audio{TaskID: t.ID, Status: t.Status, Provider: t.Provider, Prompt: t.Prompt, Lyrics: p.Lyrics,
		Style: p.Style, Title: p.Title, Instrumental: p.Instrumental, Duration: nonNegative(p.Duration),
		ErrorMessage: t.ErrorMessage, CreatedAt: Time(t.CreatedAt),
		URL: c.FileURL(keys.Result), CoverURL: c.FileURL(keys.Thumb)}
	if t.ResultFileID != "" {
		a.AudioID, a.CoverID = t.ResultFileID, t.ThumbFileID
		d := float64(t.DurationMS) / 1000
		a.Duration = &d
	}
	return a
}

func nonNegative(d *float64) *float64 {
	if d == nil || *d < 0 {
		return nil
	}
	return d
}

// Media is a task rendered as what its kind is: exactly one of Video and
// Audio is set.
type Media struct {
	Video *Video
	Audio *Audio
}

// Task renders a video or music task by its kind.
func (c *Converter) Task(t store.MediaTask, keys MediaKeys) Media {
	if t.Kind == store.MediaVideo {
		v := c.Video(t, keys)
		return Media{Video: &v}
	}
	a := c.Audio(t, keys)
	return Media{Audio: &a}
}

// VideoTool is the output of the generateVideo tool: {video: Video}.
type VideoTool struct {
	Video Video `json:"video"`
}

// AudioTool is the output of the generateMusic tool: {audio: Audio}.
type AudioTool struct {
	Audio Audio `json:"audio"`
}

// ToolOutput is the tool output a new task is announced with.
func (c *Converter) ToolOutput(t store.MediaTask) any {
	m := c.Task(t, MediaKeys{})
	if m.Video != nil {
		return VideoTool{Video: *m.Video}
	}
	return AudioTool{Audio: *m.Audio}
}

// VideoList is {videos: Video[]} (GET /video/info).
type VideoList struct {
	Videos []Video `json:"videos"`
}

// AudioList is {audios: Audio[]} (GET /music/info).
type AudioList struct {
	Audios []Audio `json:"audios"`
}

// TaskStatusEvent is the realtime message of a task's status change on
// channel {userId}/{threadId}#{userId} (API.md §3.8):
// {"type":"video_status"|"audio_status", taskId, status, video|audio}.
type TaskStatusEvent struct {
	Type   string `json:"type"`
	TaskID string `json:"taskId"`
	Status string `json:"status"`
	Video  *Video `json:"video,omitempty"`
	Audio  *Audio `json:"audio,omitempty"`
}

// TaskStatus renders the realtime event of a task's current state.
func (c *Converter) TaskStatus(t store.MediaTask, keys MediaKeys) TaskStatusEvent {
	m := c.Task(t, keys)
	e := TaskStatusEvent{TaskID: t.ID, Status: t.Status, Video: m.Video, Audio: m.Audio}
	e.Type = "video_status"
	if m.Audio != nil {
		e.Type = "audio_status"
	}
	return e
}

// ThreadTitleEvent is the realtime message of a new thread's model-written
// title on the owner's channel of that thread (ours; STREAMING.md §6).
type ThreadTitleEvent struct {
	Type     string `json:"type"` // "thread_title"
	ThreadID string `json:"threadId"`
	Title    string `json:"title"`
}

// ThreadTitle renders the thread_title event.
func ThreadTitle(threadID, title string) ThreadTitleEvent {
	return ThreadTitleEvent{Type: "thread_title", ThreadID: threadID, Title: title}
}
