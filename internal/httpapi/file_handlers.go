package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path"
	"strconv"
	"time"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/imaging"
)

// fileHandlers serves GET /files/{key...}: the bytes behind the signed URLs
// of the local blob backend.
type fileHandlers struct {
	s     *Server
	files blob.Served
}

var (
	errNoFile       = apperr.NotFoundf("Not found")
	errBadSignature = apperr.New(apperr.Forbidden, "Invalid or expired file signature")
)

// serve checks the key's shape, then the signature (403 when forged,
// altered or expired, before the storage is touched, so a bad URL learns
// nothing about what exists), then serves the object with
// http.ServeContent (ranges, conditional requests, HEAD). The content type
// comes from the key's extension, which the server chose from the sniffed
// type; browsers must not sniff on their own (nosniff) and a file opened
// directly runs nothing (CSP sandbox). Caches may keep the file as long as
// the URL is valid, and only privately: the URL is the capability.
func (h fileHandlers) serve(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if !blob.ValidKey(key) {
		h.s.writeError(w, r, errNoFile)
		return
	}
	q := r.URL.Query()
	if err := h.files.Signer().Verify(key, q.Get("exp"), q.Get("sig")); err != nil {
		h.s.writeError(w, r, errBadSignature)
		return
	}
	f, err := h.files.File(key)
	if errors.Is(err, blob.ErrNotFound) {
		h.s.writeError(w, r, errNoFile)
		return
	} else if err != nil {
		h.s.writeError(w, r, apperr.Wrap(err, "open file"))
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		h.s.writeError(w, r, errNoFile)
		return
	}
	exp, _ := strconv.ParseInt(q.Get("exp"), 10, 64) // Verify parsed it already
	hdr := w.Header()
	hdr.Set("Content-Type", contentTypeOfKey(key))
	hdr.Set("Cache-Control", "private, max-age="+strconv.FormatInt(max(0, exp-time.Now().Unix()), 10))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	http.ServeContent(&jsonErrorWriter{ResponseWriter: w}, r, "", st.ModTime(), f)
}

func contentTypeOfKey(key string) string {
	if f, ok := imaging.ByExt(path.Ext(key)); ok {
		return f.ContentType
	}
	return "application/octet-stream"
}

// jsonErrorWriter turns the plain-text errors http.ServeContent writes
// (416 bad range, 412 failed precondition) into the API's JSON error body.
type jsonErrorWriter struct {
	http.ResponseWriter
	swallow bool // an error body was written; drop ServeContent's text
}

func (w *jsonErrorWriter) WriteHeader(code int) {
	if code < 400 {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.swallow = true
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Del("Content-Length")
	w.ResponseWriter.WriteHeader(code)
	_ = json.NewEncoder(w.ResponseWriter).Encode(map[string]string{"message": http.StatusText(code)})
}

func (w *jsonErrorWriter) Write(p []byte) (int, error) {
	if w.swallow {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps the sendfile fast path of the writer underneath.
func (w *jsonErrorWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.swallow {
		return io.Copy(io.Discard, r)
	}
	return io.Copy(w.ResponseWriter, r)
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (w *jsonErrorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
