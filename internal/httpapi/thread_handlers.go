package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/analytics"
	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/uimsg"
	"github.com/kira-art/kira/internal/view"
)

// threadHandlers serves /thread.
type threadHandlers struct{ s *Server }

const threadsPerPage = 20

// thumbKeys finds the thumbnails of many threads with one file query.
func (h threadHandlers) thumbKeys(r *http.Request, threads []store.Thread) (map[string]string, error) {
	var ids []string
	for _, t := range threads {
		if t.ThumbImageID != "" {
			ids = append(ids, t.ThumbImageID)
		}
	}
	files, err := h.s.Store.GetFiles(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(files))
	for id, f := range files {
		out[id] = view.AvatarKey(f)
	}
	return out, nil
}

type createThreadBody struct {
	Message json.RawMessage `json:"message"`
	ID      *string         `json:"id"`
}

func (h threadHandlers) create(w http.ResponseWriter, r *http.Request) {
	var body createThreadBody
	if err := decodeJSON(r, &body); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	id := uuid.NewString()
	if body.ID != nil {
		var err error
		if id, err = parseUUID("id", *body.ID); err != nil {
			h.s.writeError(w, r, err)
			return
		}
	}
	msg, stored, err := parseIncomingMessage(body.Message, "message")
	if err == nil && msg.Role != "user" {
		err = apperr.Invalidf("message.role: must be user")
	}
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	t, err := h.s.Store.CreateThread(r.Context(), store.Thread{ID: id, UserID: userID(r), Title: provisionalTitle(msg.Text())}, stored)
	if errors.Is(err, store.ErrConflict) {
		err = apperr.New(apperr.Conflict, "a thread with this id already exists")
	}
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	h.s.Events.Capture(t.UserID, analytics.ThreadCreated, map[string]any{"thread_id": t.ID})
	writeJSON(w, http.StatusOK, h.s.Views.NewThread(t))
}

// provisionalTitle is the first words of the user's text, until the model
// writes a better one.
func provisionalTitle(text string) string {
	words := strings.Fields(text)
	if len(words) == 0 {
		return "New chat"
	}
	if len(words) > 8 {
		words = words[:8]
	}
	title := strings.Join(words, " ")
	if utf8.RuneCountInString(title) > 60 {
		title = string([]rune(title)[:60])
	}
	return title
}

func (h threadHandlers) list(w http.ResponseWriter, r *http.Request) {
	cur, err := decodeThreadCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	threads, err := h.s.Store.ListThreads(r.Context(), userID(r), cur, threadsPerPage+1)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	hasMore := len(threads) > threadsPerPage
	if hasMore {
		threads = threads[:threadsPerPage]
	}
	thumbs, err := h.thumbKeys(r, threads)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	resp := view.ThreadPage{Threads: make([]view.Thread, 0, len(threads)), HasMore: hasMore}
	for _, t := range threads {
		resp.Threads = append(resp.Threads, h.s.Views.Thread(t, thumbs[t.ThumbImageID]))
	}
	if hasMore {
		resp.NextCursor = encodeThreadCursor(threads[len(threads)-1])
	}
	writeJSON(w, http.StatusOK, resp)
}

func (h threadHandlers) rename(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "threadId")
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	var body struct {
		Title *string `json:"title"`
	}
	if err := decodeJSON(r, &body); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	if body.Title == nil {
		h.s.writeError(w, r, apperr.Invalidf("title: is required"))
		return
	}
	title := strings.TrimSpace(*body.Title)
	if n := utf8.RuneCountInString(title); n < 1 || n > 100 {
		h.s.writeError(w, r, apperr.Invalidf("title: must be 1-100 characters"))
		return
	}
	t, err := h.s.Store.RenameThread(r.Context(), userID(r), id, title)
	if err != nil {
		h.s.writeError(w, r, notFoundAs(err, "thread not found"))
		return
	}
	thumbs, err := h.thumbKeys(r, []store.Thread{t})
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	v := h.s.Views.Thread(t, thumbs[t.ThumbImageID])
	v.ResourceID = t.UserID
	writeJSON(w, http.StatusOK, v)
}

func (h threadHandlers) delete(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "threadId")
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	deleted, err := h.s.Store.DeleteThread(r.Context(), userID(r), id)
	if err != nil {
		h.s.writeError(w, r, notFoundAs(err, "thread not found"))
		return
	}
	// Pending tasks were marked cancelled in the same transaction. Running
	// jobs and files are cleaned up by the job and blob layers when they land.
	h.s.log.InfoContext(r.Context(), "thread deleted", "thread_id", id,
		"cancelled_tasks", len(deleted.CancelledTaskIDs), "images", len(deleted.ImageIDs))
	writeJSON(w, http.StatusOK, okBody)
}

// notFoundAs gives store.ErrNotFound a resource-specific message.
func notFoundAs(err error, msg string) error {
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFoundf("%s", msg)
	}
	return err
}

// parseIncomingMessage validates a v5 UI message from a request body and
// returns it with its storable form. v4-shaped input is refused: only
// stored history is converted, clients must send v5.
func parseIncomingMessage(raw json.RawMessage, field string) (uimsg.Message, store.Message, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return uimsg.Message{}, store.Message{}, apperr.Invalidf("%s: is required", field)
	}
	if k := uimsg.V4Marker(raw); k != "" {
		return uimsg.Message{}, store.Message{}, apperr.Invalidf("%s.%s: AI SDK v4 message shape is not accepted; send a v5 UI message with parts", field, k)
	}
	m, _, err := uimsg.Parse(raw)
	if err == nil {
		err = m.Validate()
	}
	var ve *uimsg.ValidationError
	if errors.As(err, &ve) {
		return m, store.Message{}, apperr.Invalidf("%s.%s %s", field, ve.Field, ve.Reason)
	}
	if err != nil {
		return m, store.Message{}, apperr.Invalidf("%s: must be a JSON object", field)
	}
	m.CreatedAt = nil // the server stamps creation time
	body, err := json.Marshal(m)
	if err != nil {
		return m, store.Message{}, apperr.Wrap(err, "encode message")
	}
	return m, store.Message{ID: m.ID, Role: m.Role, Body: body, Format: store.FormatV5}, nil
}
