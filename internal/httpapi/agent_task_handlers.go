package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/uimsg"
	"github.com/kira-art/kira/internal/view"
)

func validMessageID(id string) bool { return uimsg.ValidID(id) }

// taskBody is POST /agent/task: outputs produced outside a run.
type taskBody struct {
	ThreadID  string            `json:"threadId"`
	MessageID string            `json:"messageId"`
	Images    []json.RawMessage `json:"images"`
	Videos    []json.RawMessage `json:"videos"`
	Audios    []json.RawMessage `json:"audios"`
}

// mediaInput is the part of a Video/Audio the client may choose; status,
// results and ids are the server's.
type mediaInput struct {
	Prompt        string   `json:"prompt"`
	SourceImageID string   `json:"sourceImageId"`
	Duration      *float64 `json:"duration"`
	Ratio         string   `json:"ratio"`
	Lyrics        string   `json:"lyrics"`
	Style         string   `json:"style"`
	Title         string   `json:"title"`
	Instrumental  *bool    `json:"instrumental"`
	Status        string   `json:"status"`
	TaskID        string   `json:"taskId"`
}

// taskStatuses are the Video/Audio statuses (API.md §1); any other is a 400.
var taskStatuses = map[string]bool{"pending": true, "processing": true, "completed": true, "failed": true,
	"cancelled": true, "insufficient_credits": true, "insufficient_plan": true}

const maxTaskItems = 16

func (h agentHandlers) saveTask(w http.ResponseWriter, r *http.Request) {
	var b taskBody
	if err := decodeJSON(r, &b); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	threadID, err := parseUUID("threadId", b.ThreadID)
	if err == nil && !validMessageID(b.MessageID) {
		err = apperr.Invalidf("messageId: must be 1-64 characters of A-Z a-z 0-9 _ -")
	}
	if err == nil && len(b.Images)+len(b.Videos)+len(b.Audios) > maxTaskItems {
		err = apperr.Invalidf("images, videos, audios: at most %d items in all", maxTaskItems)
	}
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	uid := userID(r)
	if _, err := h.s.Store.GetThread(r.Context(), uid, threadID); err != nil {
		h.s.writeError(w, r, notFoundAs(err, "thread not found"))
		return
	}
	images, err := messageHandlers(h).ownedImageRefs(r, b.Images, "images")
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	tasks, err := pendingTasks(b.Videos, "video", "videos")
	if err == nil {
		var audios []store.MediaTask
		audios, err = pendingTasks(b.Audios, "audio", "audios")
		tasks = append(tasks, audios...)
	}
	if err == nil {
		err = h.knownTasks(r, b.Videos, "video", "videos")
	}
	if err == nil {
		err = h.knownTasks(r, b.Audios, "audio", "audios")
	}
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	v, err := h.s.Store.SaveVersion(r.Context(), uid, threadID, b.MessageID, images, tasks)
	if errors.Is(err, store.ErrMessageNotFound) {
		err = apperr.NotFoundf("messageId: message %q is not in the thread", b.MessageID)
	}
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view.VersionOne{Version: h.s.Views.Version(v)})
}

// knownTasks checks the entries that describe existing tasks (any status
// but pending): each must name, by taskId, a task of the caller of that
// kind, else 404 naming it. Nothing is changed for them; they are accepted
// so a client can send a whole tool output back.
func (h agentHandlers) knownTasks(r *http.Request, items []json.RawMessage, kind, field string) error {
	for i, raw := range items {
		var in mediaInput
		_ = json.Unmarshal(raw, &in) // pendingTasks has refused what does not decode
		if in.Status == "" || in.Status == "pending" {
			continue
		}
		if in.TaskID == "" {
			return apperr.Invalidf("%s[%d].taskId: is required for an existing %s (status %s)", field, i, kind, in.Status)
		}
		t, err := h.s.Store.FeedSourceTask(r.Context(), in.TaskID)
		if errors.Is(err, store.ErrNotFound) || err == nil && (t.UserID != userID(r) || t.Kind != kind) {
			return apperr.NotFoundf("%s[%d].taskId: %s task %q not found", field, i, kind, in.TaskID)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// pendingTasks turns pending Video/Audio entries into tasks to queue;
// entries in another known status describe existing tasks (knownTasks
// checks them) and an unknown status is a 400.
func pendingTasks(items []json.RawMessage, kind, field string) ([]store.MediaTask, error) {
	var out []store.MediaTask
	for i, raw := range items {
		var in mediaInput
		if err := json.Unmarshal(raw, &in); err != nil {
			return nil, apperr.Invalidf("%s[%d]: must be a %s object", field, i, kind)
		}
		if in.Status != "" && !taskStatuses[in.Status] {
			return nil, apperr.Invalidf("%s[%d].status: must be one of pending, processing, completed, failed, cancelled, insufficient_credits, insufficient_plan", field, i)
		}
		if in.Status != "" && in.Status != "pending" {
			continue
		}
		if strings.TrimSpace(in.Prompt) == "" {
			return nil, apperr.Invalidf("%s[%d].prompt: is required", field, i)
		}
		params := map[string]any{}
		if kind == "video" {
			d := 5.0
			if in.Duration != nil {
				d = *in.Duration
			}
			if d != 5 && d != 10 {
				return nil, apperr.Invalidf("%s[%d].duration: must be 5 or 10", field, i)
			}
			ratio := in.Ratio
			if ratio == "" {
				ratio = "auto"
			}
			if !map[string]bool{"auto": true, "16:9": true, "9:16": true, "1:1": true}[ratio] {
				return nil, apperr.Invalidf("%s[%d].ratio: must be auto, 16:9, 9:16 or 1:1", field, i)
			}
			params["duration"], params["ratio"] = d, ratio
		} else {
			params["instrumental"] = in.Instrumental != nil && *in.Instrumental
			for k, v := range map[string]string{"lyrics": in.Lyrics, "style": in.Style, "title": in.Title} {
				if v != "" {
					params[k] = v
				}
			}
		}
		p, _ := json.Marshal(params)
		out = append(out, store.MediaTask{ID: uuid.NewString(), Kind: kind, Status: "pending", Provider: "local",
			Prompt: in.Prompt, Params: p, SourceImageID: in.SourceImageID})
	}
	return out, nil
}
