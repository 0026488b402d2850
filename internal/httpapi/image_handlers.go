package httpapi

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/view"
)

// imageHandlers serves /image and /images.
type imageHandlers struct{ s *Server }

// fileIDPattern is the API's FileId: ids are opaque `<prefix>_<uuid>`
// strings, but only this alphabet is ever accepted, so an id can never
// carry a path (no "/", no "..", nothing encoded).
var fileIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,200}$`)

func parseFileID(field, raw string) (string, error) {
	if !fileIDPattern.MatchString(raw) {
		return "", apperr.Invalidf("%s: must be an image id (1-200 characters of A-Z a-z 0-9 _ -)", field)
	}
	return raw, nil
}

// decodeImageIDBody reads the {imageId} body of POST /image, /publish/ and
// /download/: present and a FileId, else a 400 naming the field.
func decodeImageIDBody(r *http.Request) (string, error) {
	var body struct {
		ImageID *string `json:"imageId"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return "", err
	}
	if body.ImageID == nil {
		return "", apperr.Invalidf("imageId: is required")
	}
	return parseFileID("imageId", *body.ImageID)
}

// maxListIDs is API.md §0's limit on comma-separated id lists.
const maxListIDs = 100

// ensure is POST /image: the caller's image, with derivatives made when
// missing.
func (h imageHandlers) ensure(w http.ResponseWriter, r *http.Request) {
	id, err := decodeImageIDBody(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	f, err := h.s.Files.Ensure(r.Context(), userID(r), id)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.s.Views.Image(f))
}

// get is GET /image/{imageId}: no auth, the unguessable id is the
// capability.
func (h imageHandlers) get(w http.ResponseWriter, r *http.Request) {
	id, err := parseFileID("imageId", r.PathValue("imageId"))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	f, err := h.s.Files.Image(r.Context(), id)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.s.Views.Image(f))
}

// list is GET /images/{imageIds}: known images in the order asked (an id
// asked twice is answered twice), unknown ids and non-images skipped, one
// query.
func (h imageHandlers) list(w http.ResponseWriter, r *http.Request) {
	raw := strings.Split(r.PathValue("imageIds"), ",")
	if len(raw) > maxListIDs {
		h.s.writeError(w, r, apperr.Invalidf("imageIds: at most %d ids", maxListIDs))
		return
	}
	ids := make([]string, 0, len(raw))
	for _, s := range raw {
		id, err := parseFileID("imageIds", s)
		if err != nil {
			h.s.writeError(w, r, err)
			return
		}
		ids = append(ids, id)
	}
	files, err := h.s.Files.Images(r.Context(), ids)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	out := make([]view.Image, 0, len(files))
	for _, f := range files {
		out = append(out, h.s.Views.Image(f))
	}
	writeJSON(w, http.StatusOK, view.ImageList{Images: out})
}

var confirmBody = map[string]string{"message": "confirm"}

// delete is DELETE /image/{imageId} (files.Service Delete: idempotent,
// so unknown ids answer {"message":"confirm"} too; another user's image is
// 403). Public copies of posts made from the image stay with the posts.
func (h imageHandlers) delete(w http.ResponseWriter, r *http.Request) {
	id, err := parseFileID("imageId", r.PathValue("imageId"))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	if err := h.s.Files.Delete(r.Context(), userID(r), id); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, confirmBody)
}

// check is POST /image/check/{imageId}: a CSAM check (anyone holding the
// id may ask; a hit deletes the image and answers 451). A stored verdict
// answers without decoding; callers without a valid token share a small
// budget (503 busy past it).
func (h imageHandlers) check(w http.ResponseWriter, r *http.Request) {
	id, err := parseFileID("imageId", r.PathValue("imageId"))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	if err := h.s.Files.CheckID(r.Context(), id, userID(r) == ""); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}
