package httpapi

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/kira-art/kira/internal/apperr"
)

// uploadHandlers serves POST /upload.
type uploadHandlers struct{ s *Server }

// maxUploadRequest caps the whole request: the largest kind's limit
// (files.MaxUploadBytes) plus room for multipart headers and small extra
// fields.
const maxUploadRequest = 200<<20 + 1<<20

var errBodyTooLarge = apperr.New(apperr.TooLarge, "Request body too large")

// upload stores one file from the multipart field "file" (files.Service
// Upload: the type comes from the bytes; the part's file name and
// Content-Type are ignored).
func (h uploadHandlers) upload(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > maxUploadRequest {
		h.s.writeError(w, r, errBodyTooLarge)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadRequest)
	part, err := filePart(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	defer part.Close()
	f, err := h.s.Files.Upload(r.Context(), userID(r), requestBody{part})
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.s.Views.Upload(f))
}

// filePart returns the multipart part named "file", skipping others.
func filePart(r *http.Request) (*multipart.Part, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, apperr.Invalidf("file: a multipart/form-data body with a file field is required")
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, apperr.Invalidf("file: field is required")
		}
		if err != nil {
			return nil, readError(err)
		}
		if p.FormName() == "file" {
			return p, nil
		}
		p.Close()
	}
}

// requestBody reports a request past its cap as errBodyTooLarge, so the
// files service, which knows nothing of HTTP, passes it through as a 413.
type requestBody struct{ r io.Reader }

func (b requestBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		err = errBodyTooLarge
	}
	return n, err
}

// readError maps errors of reading the request body.
func readError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return errBodyTooLarge
	}
	return &apperr.Error{Kind: apperr.Invalid, Message: "file: the upload could not be read (malformed or interrupted)", Err: err}
}
