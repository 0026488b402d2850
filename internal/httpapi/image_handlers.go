package httpapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/imaging"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/view"
)

// imageHandlers serves /image and /images.
type imageHandlers struct{ s *Server }

// maxListIDs is API.md §0's limit on comma-separated id lists.
const maxListIDs = 100

// ensure is POST /image: the caller's image, with derivatives made when
// missing.
func (h imageHandlers) ensure(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ImageID *string `json:"imageId"`
	}
	if err := decodeJSON(r, &body); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	if body.ImageID == nil {
		h.s.writeError(w, r, apperr.Invalidf("imageId: is required"))
		return
	}
	id, err := parseFileID("imageId", *body.ImageID)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	f, err := h.s.ownedImage(r.Context(), userID(r), id)
	if err == nil {
		f, err = h.s.ensureDerivatives(r.Context(), f)
	}
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
	f, err := h.s.imageByID(r.Context(), id)
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
	files, err := h.s.Store.GetFiles(r.Context(), ids)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	out := make([]view.Image, 0, len(ids))
	for _, id := range ids {
		if f, ok := files[id]; ok && f.Kind == imaging.KindImage {
			out = append(out, h.s.Views.Image(f))
		}
	}
	writeJSON(w, http.StatusOK, view.ImageList{Images: out})
}

var confirmBody = map[string]string{"message": "confirm"}

// delete is DELETE /image/{imageId}. Deletion is idempotent: the row goes
// with the bytes, so a repeat call cannot tell "deleted" from "never
// existed" and both answer {"message":"confirm"}; another user's existing
// image is 403 and nothing is touched.
func (h imageHandlers) delete(w http.ResponseWriter, r *http.Request) {
	id, err := parseFileID("imageId", r.PathValue("imageId"))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	f, err := h.s.Store.GetFile(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeJSON(w, http.StatusOK, confirmBody)
		return
	case err != nil:
		h.s.writeError(w, r, err)
		return
	case f.UserID != userID(r):
		h.s.writeError(w, r, errNotYourImage)
		return
	case f.Kind != imaging.KindImage:
		h.s.writeError(w, r, errNoImage)
		return
	}
	if err := h.s.deleteFile(r.Context(), f); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, confirmBody)
}

// check is POST /image/check/{imageId}: a CSAM check now (anyone holding
// the id may ask; a hit deletes the image and answers 451).
func (h imageHandlers) check(w http.ResponseWriter, r *http.Request) {
	id, err := parseFileID("imageId", r.PathValue("imageId"))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	f, err := h.s.imageByID(r.Context(), id)
	if err == nil {
		err = h.s.checkImage(r.Context(), f)
	}
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}
