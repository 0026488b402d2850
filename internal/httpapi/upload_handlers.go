package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/imaging"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/view"
)

// uploadHandlers serves POST /upload.
type uploadHandlers struct{ s *Server }

// Upload limits per kind (API.md §3.7), and the whole request's cap: the
// largest kind plus room for multipart headers and small extra fields.
var uploadLimits = map[string]int64{
	imaging.KindImage: 20 << 20,
	imaging.KindVideo: 200 << 20,
	imaging.KindAudio: 50 << 20,
}

const maxUploadRequest = 200<<20 + 1<<20

var limitNames = map[string]string{imaging.KindImage: "20 MiB", imaging.KindVideo: "200 MiB", imaging.KindAudio: "50 MiB"}

// uploadResult is the /upload answer.
type uploadResult struct {
	FileID      string      `json:"fileId"`
	Kind        string      `json:"kind"`
	ContentType string      `json:"contentType"`
	Size        int64       `json:"size"`
	Image       *view.Image `json:"image,omitempty"`
}

var errBodyTooLarge = apperr.New(apperr.TooLarge, "Request body too large")

// upload stores one file from the multipart field "file". Its type comes
// from its first bytes only (the part's file name and Content-Type are
// ignored). Images are decoded (pixel-bounded) and get their derivatives
// before anything is stored; video and audio stream to storage without
// being held in memory.
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
	head := make([]byte, imaging.SniffLen)
	n, err := io.ReadFull(part, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		h.s.writeError(w, r, readError(err))
		return
	}
	if n == 0 {
		h.s.writeError(w, r, apperr.Invalidf("file: is empty"))
		return
	}
	format, ok := imaging.Sniff(head[:n])
	if !ok {
		h.s.writeError(w, r, apperr.New(apperr.Unsupported,
			"file: unsupported type; accepted are png, jpeg, webp, gif, mp4, webm, mp3, wav, m4a"))
		return
	}
	body := &limitedReader{r: io.MultiReader(bytes.NewReader(head[:n]), part), left: uploadLimits[format.Kind]}
	up := upload{uid: userID(r), id: "insert_" + uuid.NewString(), format: format}
	var res uploadResult
	if format.Kind == imaging.KindImage {
		res, err = h.storeImage(r.Context(), up, body)
	} else {
		res, err = h.storeStream(r.Context(), up, body)
	}
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
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

// upload names what is being stored.
type upload struct {
	uid, id string
	format  imaging.Format
}

func (u upload) key(name string) string { return blob.FileKey(u.uid, u.id, name) }

func (u upload) tooLarge() error {
	return apperr.New(apperr.TooLarge, "file: %s files are limited to %s", u.format.Kind, limitNames[u.format.Kind])
}

// storeImage decodes, derives and stores an image and its registry row.
func (h uploadHandlers) storeImage(ctx context.Context, up upload, body *limitedReader) (uploadResult, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return uploadResult{}, h.bodyError(up, err)
	}
	release, err := acquireImageSlot(ctx)
	if err != nil {
		return uploadResult{}, err
	}
	img, _, err := imaging.Decode(data, imaging.DefaultMaxPixels)
	if err != nil {
		release()
		return uploadResult{}, decodeError(err)
	}
	f := store.File{ID: up.id, UserID: up.uid, Kind: imaging.KindImage, Origin: "insert", ContentType: up.format.ContentType,
		Size: int64(len(data)), StorageKey: up.key("original" + up.format.Ext)}
	d, err := h.s.writeDerivativesOriented(ctx, up.uid, up.id, img, imaging.Orientation(data))
	release()
	if err != nil {
		h.cleanup(f)
		return uploadResult{}, err
	}
	f.Width, f.Height, f.Blurhash, f.ThumbKey, f.BlurKey = d.Width, d.Height, d.Blurhash, d.ThumbKey, d.BlurKey
	if _, err := h.s.Blobs.Put(ctx, f.StorageKey, bytes.NewReader(data), f.ContentType); err != nil {
		h.cleanup(f)
		return uploadResult{}, apperr.Wrap(err, "store original")
	}
	if f, err = h.register(ctx, f); err != nil {
		return uploadResult{}, err
	}
	v := h.s.Views.Image(f)
	return uploadResult{FileID: f.ID, Kind: f.Kind, ContentType: f.ContentType, Size: f.Size, Image: &v}, nil
}

// storeStream copies a video or audio file to storage as it arrives.
func (h uploadHandlers) storeStream(ctx context.Context, up upload, body *limitedReader) (uploadResult, error) {
	f := store.File{ID: up.id, UserID: up.uid, Kind: up.format.Kind, Origin: "insert", ContentType: up.format.ContentType,
		StorageKey: up.key("original" + up.format.Ext)}
	size, err := h.s.Blobs.Put(ctx, f.StorageKey, body, f.ContentType)
	if err != nil {
		if body.err != nil { // the client's side failed, not storage
			return uploadResult{}, h.bodyError(up, body.err)
		}
		return uploadResult{}, apperr.Wrap(err, "store upload")
	}
	f.Size = size
	if f, err = h.register(ctx, f); err != nil {
		return uploadResult{}, err
	}
	return uploadResult{FileID: f.ID, Kind: f.Kind, ContentType: f.ContentType, Size: f.Size}, nil
}

// register inserts the registry row, removing the stored objects if that
// fails so no unregistered bytes remain.
func (h uploadHandlers) register(ctx context.Context, f store.File) (store.File, error) {
	created, err := h.s.Store.CreateFile(ctx, f)
	if err != nil {
		h.cleanup(f)
		return store.File{}, err
	}
	return created, nil
}

func (h uploadHandlers) cleanup(f store.File) {
	// Detached context: the request's may be the reason we are cleaning up.
	if err := h.s.Blobs.Delete(context.Background(), objectKeys(f)...); err != nil {
		h.s.log.Warn("upload cleanup failed", "file_id", f.ID, "err", err)
	}
}

// bodyError maps a failure reading the upload: past the kind's limit or the
// request cap is 413, anything else (client gone, broken multipart) 400.
func (h uploadHandlers) bodyError(up upload, err error) error {
	if errors.Is(err, errKindLimit) {
		return up.tooLarge()
	}
	return readError(err)
}

// readError maps errors of reading the request body.
func readError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return errBodyTooLarge
	}
	return &apperr.Error{Kind: apperr.Invalid, Message: "file: the upload could not be read (malformed or interrupted)", Err: err}
}

// decodeError maps imaging.Decode errors: too many pixels 413, a format
// the decoder refuses 415, broken data (truncated, corrupt) 400.
func decodeError(err error) error {
	var px *imaging.PixelLimitError
	switch {
	case errors.As(err, &px):
		return apperr.New(apperr.TooLarge, "file: a %d×%d image exceeds the limit of %d pixels", px.Width, px.Height, px.MaxPixels)
	case errors.Is(err, imaging.ErrUnsupported):
		return apperr.New(apperr.Unsupported, "file: this image format or variant is not supported")
	}
	return &apperr.Error{Kind: apperr.Invalid, Message: "file: the image is corrupt or truncated", Err: err}
}

var errKindLimit = errors.New("upload exceeds its kind's limit")

// limitedReader reads at most left bytes and fails with errKindLimit when
// the source has more; it remembers the source's error so a failed Put can
// be told apart from a failed read.
type limitedReader struct {
	r    io.Reader
	left int64
	err  error
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1] // one byte past the limit tells "exactly at" from "over"
	}
	n, err := l.r.Read(p)
	if int64(n) > l.left {
		l.err = errKindLimit
		return int(l.left), l.err
	}
	l.left -= int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		l.err = err
	}
	return n, err
}
