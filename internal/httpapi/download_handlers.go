package httpapi

import (
	"net/http"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/files"
	"github.com/kira-art/kira/internal/view"
)

// downloadHandlers serves /download (API.md §3.7): the body names an
// image or a video task; which one the caller may have, and whether it
// carries a watermark, is the files domain's decision.
type downloadHandlers struct{ s *Server }

// image is POST /download/: {imageId} → {url, watermarked}.
func (h downloadHandlers) image(w http.ResponseWriter, r *http.Request) {
	id, err := decodeImageIDBody(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	d, err := h.s.Files.DownloadImage(r.Context(), userID(r), id)
	h.respond(w, r, d, err)
}

// video is POST /download/video: {taskId} → {url, watermarked}.
func (h downloadHandlers) video(w http.ResponseWriter, r *http.Request) {
	var body struct {
		TaskID *string `json:"taskId"`
	}
	if err := decodeJSON(r, &body); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	if body.TaskID == nil || !fileIDPattern.MatchString(*body.TaskID) {
		h.s.writeError(w, r, apperr.Invalidf("taskId: must be a task id (1-200 characters of A-Z a-z 0-9 _ -)"))
		return
	}
	d, err := h.s.Files.DownloadVideo(r.Context(), userID(r), *body.TaskID)
	h.respond(w, r, d, err)
}

func (h downloadHandlers) respond(w http.ResponseWriter, r *http.Request, d files.Download, err error) {
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view.Download{URL: d.URL, Watermarked: d.Watermarked})
}
