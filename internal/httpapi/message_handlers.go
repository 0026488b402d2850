package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/uimsg"
	"github.com/kira-art/kira/internal/view"
)

// messageHandlers serves the stored-history routes of /agent.
type messageHandlers struct{ s *Server }

// ownedThread reads the thread path parameter and checks the caller owns it.
func (h messageHandlers) ownedThread(r *http.Request) (store.Thread, error) {
	id, err := pathUUID(r, "threadId")
	if err != nil {
		return store.Thread{}, err
	}
	t, err := h.s.Store.GetThread(r.Context(), userID(r), id)
	return t, notFoundAs(err, "thread not found")
}

func (h messageHandlers) list(w http.ResponseWriter, r *http.Request) {
	t, err := h.ownedThread(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	msgs, err := h.s.Store.ListMessages(r.Context(), t.ID)
	h.respond(w, r, msgs, err)
}

func (h messageHandlers) rewind(w http.ResponseWriter, r *http.Request) {
	t, err := h.ownedThread(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	mid, err := pathMessageID(r, "messageId")
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	msgs, err := h.s.Store.ListMessagesBefore(r.Context(), t.ID, mid)
	h.respond(w, r, msgs, notFoundAs(err, "message not found"))
}

// rewrite is the write-back of one converted row: read is the body the
// conversion was made from, so the store only replaces that exact body.
type rewrite struct {
	threadID, id string
	read, v5     []byte
}

// respond converts stored rows to v5 (STREAMING.md §4) and schedules the
// write-back of converted v4 rows, conditional on each row still holding
// the body that was read (so a row edited meanwhile is kept, and a row
// once rewritten is v5-shaped and never scheduled again).
func (h messageHandlers) respond(w http.ResponseWriter, r *http.Request, rows []store.Message, err error) {
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	out := make([]json.RawMessage, 0, len(rows))
	var rewrites []rewrite
	for _, row := range rows {
		m, wasV4, err := uimsg.Parse(row.Body)
		if err != nil {
			// A row that is not even a JSON message is skipped, not fatal:
			// one bad legacy row must not hide a whole conversation.
			h.s.log.WarnContext(r.Context(), "unreadable stored message", "thread_id", row.ThreadID, "message_id", row.ID, "err", err)
			continue
		}
		m.ID = row.ID
		if wasV4 || row.Format == store.FormatV4 {
			m.CreatedAt = nil
			if body, err := json.Marshal(m); err == nil {
				rewrites = append(rewrites, rewrite{threadID: row.ThreadID, id: row.ID, read: row.Body, v5: body})
			}
		}
		m.CreatedAt, _ = json.Marshal(view.Time(row.CreatedAt))
		b, err := json.Marshal(m)
		if err != nil {
			h.s.writeError(w, r, apperr.Wrap(err, "encode message"))
			return
		}
		out = append(out, b)
	}
	if len(rewrites) > 0 {
		h.s.goBackground("rewrite v4 messages", func(ctx context.Context) error {
			for _, m := range rewrites {
				if _, err := h.s.Store.RewriteV4Message(ctx, m.threadID, m.id, m.read, m.v5); err != nil {
					return err
				}
			}
			return nil
		})
	}
	writeJSON(w, http.StatusOK, view.MessageList{Messages: out})
}

func (h messageHandlers) save(w http.ResponseWriter, r *http.Request) {
	t, err := h.ownedThread(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	var body struct {
		Message json.RawMessage `json:"message"`
	}
	if err := decodeJSON(r, &body); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	msg, stored, err := parseIncomingMessage(body.Message, "message")
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	images, err := h.ownedImages(r, msg)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	stored.ThreadID, stored.UserID = t.ID, userID(r)
	v, err := h.s.Store.SaveMessage(r.Context(), stored, images)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	var resp view.VersionOrNull
	if v != nil {
		vv := h.s.Views.Version(*v)
		resp.Version = &vv
	}
	writeJSON(w, http.StatusOK, resp)
}

// ownedImages collects the images a message's tool outputs name. Only
// images registered to the caller may enter a version: a version hands out
// signed URLs, so a foreign id would leak someone else's file.
func (h messageHandlers) ownedImages(r *http.Request, m uimsg.Message) ([]store.VersionImage, error) {
	return h.ownedImageRefs(r, m.ToolImages(), "message")
}

// ownedImageRefs checks image objects ({imageId, …}) name images the
// caller owns and returns them as version images, in order.
func (h messageHandlers) ownedImageRefs(r *http.Request, refs []json.RawMessage, field string) ([]store.VersionImage, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(refs))
	for _, ref := range refs {
		var img struct {
			ImageID string `json:"imageId"`
		}
		if json.Unmarshal(ref, &img) != nil || img.ImageID == "" {
			return nil, apperr.Invalidf("%s: images need an imageId", field)
		}
		ids = append(ids, img.ImageID)
	}
	files, err := h.s.Store.GetFiles(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	out := make([]store.VersionImage, 0, len(ids))
	for i, id := range ids {
		f, ok := files[id]
		if !ok || f.UserID != userID(r) || f.Kind != "image" {
			return nil, apperr.Invalidf("%s: image %q is not an image of yours", field, id)
		}
		out = append(out, store.VersionImage{ImageID: id, Data: refs[i]})
	}
	return out, nil
}

// versionHandlers serves /version.
type versionHandlers struct{ s *Server }

func (h versionHandlers) list(w http.ResponseWriter, r *http.Request) {
	t, err := messageHandlers(h).ownedThread(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	vs, err := h.s.Store.ListVersions(r.Context(), t.ID)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.s.Views.Versions(vs))
}
