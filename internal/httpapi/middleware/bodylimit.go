package middleware

import (
	"io"
	"net/http"
	"strings"
	"time"
)

// Draining an oversize body: when a request is refused for its size, up to
// drainMax bytes of what the client is still sending are read and thrown
// away, for at most drainTimeout, before the 413 goes out (as nginx's
// lingering close does). Without it the server closes the connection with
// body bytes unread, the kernel answers them with a reset, and a client
// that writes its whole body before reading (Python's urllib does) gets
// ECONNRESET instead of the 413. Bodies larger than that still get the
// reset: reading them would be a denial of service of its own.
const (
	drainMax     = 4 << 20
	drainTimeout = 5 * time.Second
)

// BodyLimit caps request bodies at n bytes, so a handler reading past the
// cap gets an *http.MaxBytesError. Requests whose path exactly matches one of
// exempt (e.g. "/upload", which enforces its own per-kind limits) are not
// limited. A declared Content-Length above n is answered 413
// {"message":"Request body too large"} at once, without calling the
// handler. Either way the rest of a refused body is drained (see drainMax).
//
// n must be positive; a zero limit would reject every body and is a
// configuration mistake better caught at startup.
func BodyLimit(n int64, exempt ...string) func(http.Handler) http.Handler {
	if n <= 0 {
		panic("middleware: BodyLimit needs a positive limit")
	}
	skip := make(map[string]bool, len(exempt))
	for _, p := range exempt {
		skip[p] = true
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// NoBody: the server's value for a request without a body.
			// nil: only hand-built requests lack one.
			if r.Body == nil || r.Body == http.NoBody || skip[r.URL.Path] {
				next.ServeHTTP(w, r)
				return
			}
			if r.ContentLength > n {
				// A client waiting for "100 Continue" has sent nothing and
				// will not once it sees the 413; reading would invite it.
				if r.ContentLength <= drainMax && !expectsContinue(r) {
					drain(w, r.Body)
				}
				writeMessage(w, http.StatusRequestEntityTooLarge, "Request body too large")
				return
			}
			lb := &limitedBody{ReadCloser: r.Body, left: n, limit: n}
			r.Body = lb
			next.ServeHTTP(w, r)
			// Only a chunked body gets here over the limit. The handler's
			// 413 is still in the server's buffer, so this runs before the
			// server decides to close the connection.
			if lb.tripped {
				drain(w, lb.ReadCloser)
			}
		})
	}
}

func expectsContinue(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Expect"), "100-continue")
}

// drain reads and discards up to drainMax bytes of body under a short read
// deadline. When it reaches the end of the body the connection is clean
// again (it may even be reused), so the deadline is lifted.
func drain(w http.ResponseWriter, body io.Reader) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(drainTimeout)) // unsupported writer: drain without
	if _, err := io.CopyN(io.Discard, body, drainMax); err == io.EOF {
		_ = rc.SetReadDeadline(time.Time{})
	}
}

// limitedBody is http.MaxBytesReader that also says whether the limit
// tripped. The stdlib's version cannot tell the server the request was too
// large anyway once the ResponseWriter is wrapped, so nothing is lost.
type limitedBody struct {
	io.ReadCloser
	left, limit int64
	err         error
	tripped     bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Read one byte more than allowed, to tell "exactly at the limit"
	// from "past it".
	if int64(len(p))-1 > b.left {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	if int64(n) <= b.left {
		b.left -= int64(n)
		b.err = err
		return n, err
	}
	n = int(b.left)
	b.left = 0
	b.tripped = true
	b.err = &http.MaxBytesError{Limit: b.limit}
	return n, b.err
}
