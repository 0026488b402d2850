package middleware

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// statusWriter records the status code and body size of a response for
// logging and metrics.
//
// It implements Flush and Hijack itself, because SSE and websocket code
// commonly type-asserts http.Flusher / http.Hijacker instead of using
// http.ResponseController, and Unwrap so that http.ResponseController can
// reach the other optional methods (deadlines, full-duplex) of the writer
// underneath.
type statusWriter struct {
	http.ResponseWriter
	status int   // final status; 0 until the header is committed
	bytes  int64 // body bytes passed to Write/ReadFrom
	// writeFailed is set when a write to the client failed, which in
	// net/http means the connection is gone.
	writeFailed bool
}

func newStatusWriter(w http.ResponseWriter) *statusWriter {
	return &statusWriter{ResponseWriter: w}
}

// written reports whether the header has been committed, after which the
// status can no longer be changed (Recover needs to know this).
func (w *statusWriter) written() bool { return w.status != 0 }

// statusOr returns the recorded status, or def if nothing was written yet.
func (w *statusWriter) statusOr(def int) int {
	if w.status == 0 {
		return def
	}
	return w.status
}

func (w *statusWriter) WriteHeader(code int) {
	// 1xx other than 101 are interim responses (e.g. 103 Early Hints) that
	// may precede the real one, so they must not count as the status.
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	if err != nil {
		w.writeFailed = true
	}
	return n, err
}

// ReadFrom keeps the server's sendfile fast path for http.ServeContent and
// io.Copy, which a plain wrapper would hide.
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := io.Copy(w.ResponseWriter, r)
	w.bytes += n
	return n, err // an error may be the source's, so it does not mark the client gone
}

// Flush sends buffered data to the client; SSE streams call it after every
// event. Flushing commits the header, so a 200 is recorded if none was set.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	// http.Flusher has no error result; a writer that cannot flush just
	// keeps buffering, which is the most we can do.
	if http.NewResponseController(w.ResponseWriter).Flush() != nil {
		w.writeFailed = true
	}
}

// Hijack hands the connection to the caller (websocket upgrades).
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil && w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return conn, rw, err
}

// Unwrap lets http.ResponseController find the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
