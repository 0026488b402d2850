package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/tasks"
	"github.com/kira-art/kira/internal/view"
)

// taskHandlers serves the task routes of one kind (API.md §3.8): /video/*
// for video tasks, /music/* for music tasks. Every route reads the caller's
// own tasks only; another user's task is a 404 like an unknown one.
type taskHandlers struct {
	s      *Server
	kind   string // store.MediaVideo or store.MediaAudio
	idList string // the info route's path parameter: videoIds, audioIds
}

func newTaskHandlers(s *Server, kind string) taskHandlers {
	if kind == store.MediaVideo {
		return taskHandlers{s: s, kind: kind, idList: "videoIds"}
	}
	return taskHandlers{s: s, kind: kind, idList: "audioIds"}
}

// get is GET /{video|music}/task/{taskId}.
func (h taskHandlers) get(w http.ResponseWriter, r *http.Request) {
	t, err := h.ownTask(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.render(t))
}

// info is GET /{video|music}/info/{ids}: the caller's tasks among the ids,
// in the order asked; others' and unknown ids are left out.
func (h taskHandlers) info(w http.ResponseWriter, r *http.Request) {
	ids, err := parseUUIDList(h.idList, r.PathValue(h.idList))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	ts, err := h.s.Store.UserTasks(r.Context(), userID(r), h.kind, ids)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.renderList(ts))
}

// submit is POST /{video|music}/submit/{taskId}: a task waiting in
// insufficient_credits or insufficient_plan is checked again now and, when
// eligible, queued (pending, with a new job). Still not eligible is a 200
// naming what is missing, with the task unchanged.
func (h taskHandlers) submit(w http.ResponseWriter, r *http.Request) {
	t, err := h.ownTask(r)
	var lacking string
	if err == nil {
		lacking, err = h.resubmit(r.Context(), t)
	}
	switch {
	case err != nil:
		h.s.writeError(w, r, err)
	case lacking != "":
		writeJSON(w, http.StatusOK, map[string]string{"error": lacking})
	default:
		writeJSON(w, http.StatusOK, map[string]bool{"success": true})
	}
}

// resubmit queues a waiting task again when its owner may run it now, or
// names what is still missing.
func (h taskHandlers) resubmit(ctx context.Context, t store.MediaTask) (lacking string, err error) {
	if t.Status != store.TaskInsufficientCredits && t.Status != store.TaskInsufficientPlan {
		return "", errInvalidStatus(t.Status)
	}
	if lacking, err = h.lacks(ctx, t.UserID); err != nil || lacking != "" {
		return lacking, err
	}
	_, err = h.s.Store.ResubmitTask(ctx, t.UserID, h.kind, t.ID)
	if errors.Is(err, store.ErrInvalidStatus) { // a concurrent submit queued it first
		return "", errInvalidStatus(store.TaskPending)
	}
	return "", notFoundAs(err, h.kind+" task not found")
}

func errInvalidStatus(status string) error {
	return apperr.Invalidf("the task is %s; only a task in insufficient_credits or insufficient_plan can be submitted",
		status).WithCode("invalid_status")
}

// lacks checks now what the worker checks when a task starts
// (internal/tasks): a video needs a paid plan, then the task's cost must be
// covered by credit plus addonCredits. It names the first thing missing
// as the task status it would cause, "" when nothing is.
func (h taskHandlers) lacks(ctx context.Context, uid string) (string, error) {
	p, err := h.s.Store.GetProfile(ctx, uid)
	if err != nil {
		return "", err
	}
	if h.kind == store.MediaVideo && (p.Plan == "" || p.Plan == "free") {
		return store.TaskInsufficientPlan, nil
	}
	cost := tasks.MusicCost
	if h.kind == store.MediaVideo {
		cost = tasks.VideoCost
	}
	if p.Credit+p.AddonCredits < cost {
		return store.TaskInsufficientCredits, nil
	}
	return "", nil
}

// ownTask reads the caller's task of this kind named by the taskId path
// parameter: 400 when malformed, 404 when unknown or not theirs.
func (h taskHandlers) ownTask(r *http.Request) (store.MediaTask, error) {
	id, err := pathUUID(r, "taskId")
	if err != nil {
		return store.MediaTask{}, err
	}
	t, err := h.s.Store.UserTask(r.Context(), userID(r), h.kind, id)
	return t, notFoundAs(err, h.kind+" task not found")
}

// render is a task as its kind's API object, with signed URLs once it has
// a result.
func (h taskHandlers) render(t store.MediaTask) any {
	m := h.s.Views.Task(t, view.TaskKeys(t))
	if m.Video != nil {
		return m.Video
	}
	return m.Audio
}

func (h taskHandlers) renderList(ts []store.MediaTask) any {
	if h.kind == store.MediaVideo {
		out := view.VideoList{Videos: make([]view.Video, 0, len(ts))}
		for _, t := range ts {
			out.Videos = append(out.Videos, h.s.Views.Video(t, view.TaskKeys(t)))
		}
		return out
	}
	out := view.AudioList{Audios: make([]view.Audio, 0, len(ts))}
	for _, t := range ts {
		out.Audios = append(out.Audios, h.s.Views.Audio(t, view.TaskKeys(t)))
	}
	return out
}

// parseUUIDList reads a comma-separated list of at most maxListIDs UUIDs
// (API.md §0); any malformed id is a 400 naming the field.
func parseUUIDList(field, raw string) ([]string, error) {
	parts := strings.Split(raw, ",")
	if len(parts) > maxListIDs {
		return nil, apperr.Invalidf("%s: at most %d ids", field, maxListIDs)
	}
	ids := make([]string, 0, len(parts))
	for _, p := range parts {
		id, err := parseUUID(field, p)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// initializeBody is POST /{video|music}/initialize.
type initializeBody struct {
	ThreadID      string `json:"threadId"`
	FileID        string `json:"fileId"`
	SourceImageID string `json:"sourceImageId"`
}

// initialize is POST /{video|music}/initialize: a placeholder task
// (provider upload) in the caller's thread, so an uploaded video or song
// can be the source of an edit or extension like a generated one. It is
// completed from the start and has no job; with fileId its result is that
// upload (signed url), a video without one stands for its sourceImageId.
func (h taskHandlers) initialize(w http.ResponseWriter, r *http.Request) {
	var b initializeBody
	if err := decodeJSON(r, &b); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	t, err := h.placeholder(r.Context(), userID(r), b)
	if err == nil {
		t, err = h.s.Store.CreateJoblessTask(r.Context(), t)
	}
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, h.render(t))
}

// placeholder checks an initialize body against the caller's records
// (400 for malformed input before any 404) and returns the task to create.
func (h taskHandlers) placeholder(ctx context.Context, uid string, b initializeBody) (store.MediaTask, error) {
	threadID, err := h.checkInitialize(b)
	if err != nil {
		return store.MediaTask{}, err
	}
	if _, err := h.s.Store.GetThread(ctx, uid, threadID); err != nil {
		return store.MediaTask{}, notFoundAs(err, "threadId: thread not found")
	}
	t := store.MediaTask{ID: uuid.NewString(), UserID: uid, ThreadID: threadID, Kind: h.kind,
		Status: store.TaskCompleted, Provider: store.TaskProviderUpload}
	if b.FileID != "" {
		f, err := h.ownFile(ctx, uid, "fileId", b.FileID, h.kind)
		if err != nil {
			return store.MediaTask{}, err
		}
		t.ResultFileID, t.Width, t.Height = f.ID, f.Width, f.Height
	}
	if h.kind == store.MediaVideo && b.SourceImageID != "" {
		f, err := h.ownFile(ctx, uid, "sourceImageId", b.SourceImageID, "image")
		if err != nil {
			return store.MediaTask{}, err
		}
		t.SourceImageID = f.ID
	}
	return t, nil
}

// checkInitialize validates the shape of an initialize body: a thread id,
// well-formed file ids, and something to stand for (a music placeholder
// needs its upload; a video one its upload or its source image, an Audio
// having no source image, a music sourceImageId is ignored).
func (h taskHandlers) checkInitialize(b initializeBody) (string, error) {
	if b.ThreadID == "" {
		return "", apperr.Invalidf("threadId: is required")
	}
	threadID, err := parseUUID("threadId", b.ThreadID)
	if err != nil {
		return "", err
	}
	for _, f := range [...]struct{ name, id string }{{"fileId", b.FileID}, {"sourceImageId", b.SourceImageID}} {
		if f.id != "" && !fileIDPattern.MatchString(f.id) {
			return "", apperr.Invalidf("%s: must be a file id (1-200 characters of A-Z a-z 0-9 _ -)", f.name)
		}
	}
	switch {
	case h.kind == store.MediaAudio && b.FileID == "":
		return "", apperr.Invalidf("fileId: is required (an audio file uploaded with POST /upload)")
	case b.FileID == "" && b.SourceImageID == "":
		return "", apperr.Invalidf("fileId: is required unless sourceImageId is given")
	}
	return threadID, nil
}

// uploadOrigin is the files.origin of what POST /upload stored
// (internal/files); only those may back a placeholder, because deleting
// the placeholder's media deletes the file.
const uploadOrigin = "insert"

// ownFile reads the caller's file named in field, which must be of kind
// (video, audio: an upload; image: any of theirs). Unknown and other
// users' files are 404 alike; the caller's own file of another kind 400.
func (h taskHandlers) ownFile(ctx context.Context, uid, field, id, kind string) (store.File, error) {
	f, err := h.s.Store.GetFile(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && f.UserID != uid {
		return store.File{}, apperr.NotFoundf("%s: file %q not found", field, id)
	}
	if err != nil {
		return store.File{}, err
	}
	switch {
	case kind == "image" && f.Kind != "image":
		return store.File{}, apperr.Invalidf("%s: %q is a %s, not an image", field, id, f.Kind)
	case kind != "image" && (f.Kind != kind || f.Origin != uploadOrigin):
		return store.File{}, apperr.Invalidf("%s: %q is not %s uploaded with POST /upload", field, id, uploadNoun[kind])
	}
	return f, nil
}

var uploadNoun = map[string]string{store.MediaVideo: "a video", store.MediaAudio: "an audio file"}

// deleteUpload is DELETE /{video|music}/upload/{taskId}: the caller's
// placeholder's uploaded media is deleted (files and every object, through
// the files domain), then the task is detached from it (status cancelled,
// no result). A task that is not a placeholder is a 400: a generated
// result is never deleted this way. Repeat calls answer ok.
func (h taskHandlers) deleteUpload(w http.ResponseWriter, r *http.Request) {
	t, err := h.ownTask(r)
	if err == nil {
		err = h.removeUpload(r.Context(), t)
	}
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}

// removeUpload deletes a placeholder's files first and detaches the task
// after: a failure in between leaves a task naming files that are gone,
// which a retry finishes, never files that nothing names.
func (h taskHandlers) removeUpload(ctx context.Context, t store.MediaTask) error {
	if t.Provider != store.TaskProviderUpload {
		return apperr.Invalidf("taskId: the task is not an upload placeholder (provider %s)", t.Provider)
	}
	if err := h.purgeOwned(ctx, t.UserID, t.ResultFileID, t.ThumbFileID); err != nil {
		return err
	}
	_, err := h.s.Store.DetachTaskUpload(ctx, t.UserID, h.kind, t.ID)
	return notFoundAs(err, h.kind+" task not found")
}

// purgeOwned deletes uid's files among ids. files.Purge deletes whoever
// owns them, so ownership is checked here: a placeholder names its owner's
// upload, but a row is no reason to delete another user's file. Files
// already gone are skipped, so a retried delete finishes the job.
func (h taskHandlers) purgeOwned(ctx context.Context, uid string, ids ...string) error {
	var want []string
	for _, id := range ids {
		if id != "" {
			want = append(want, id)
		}
	}
	if len(want) == 0 {
		return nil
	}
	found, err := h.s.Store.GetFiles(ctx, want)
	if err != nil {
		return err
	}
	owned := make([]string, 0, len(want))
	for _, id := range want {
		if f, ok := found[id]; ok && f.UserID == uid {
			owned = append(owned, id)
		}
	}
	return h.s.Files.Purge(ctx, owned)
}
