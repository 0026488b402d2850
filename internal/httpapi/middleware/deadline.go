package middleware

import (
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// Body read timeouts of the server (see BodyReadTimeout). A JSON body is at
// most 1 MiB, so 30 s is generous for any client that is still sending;
// uploads of up to tens of MiB over slow mobile links get 10 minutes.
const (
	JSONBodyTimeout   = 30 * time.Second
	UploadBodyTimeout = 10 * time.Minute
)

// BodyReadTimeout puts a read deadline on the connection while a request's
// body is being read: d after the chain starts, or slow for requests whose
// path exactly matches one of slowPaths (uploads). A zero duration means no
// deadline. A client that sends headers and part of a body thus cannot
// hold a connection and a handler forever: the body's reads fail with a
// timeout and the connection is closed. http.Server.ReadTimeout cannot do
// this, because it would also bound requests without a body.
//
// The deadline is lifted as soon as the body has been read to the end or
// closed, and is never set for requests without a body. That
// matters for streaming responses (SSE): once the body is consumed the
// server keeps a background read on the connection to notice the client
// leaving, and a deadline firing there would cancel the request's context
// and cut the stream.
func BodyReadTimeout(d, slow time.Duration, slowPaths ...string) func(http.Handler) http.Handler {
	isSlow := make(map[string]bool, len(slowPaths))
	for _, p := range slowPaths {
		isSlow[p] = true
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body == nil || r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			limit := d
			if isSlow[r.URL.Path] {
				limit = slow
			}
			if limit <= 0 {
				next.ServeHTTP(w, r)
				return
			}
			b := &deadlineBody{ReadCloser: r.Body, rc: http.NewResponseController(w)}
			if b.rc.SetReadDeadline(time.Now().Add(limit)) != nil {
				next.ServeHTTP(w, r) // a writer without deadlines (a test recorder)
				return
			}
			r.Body = b
			next.ServeHTTP(w, r)
		})
	}
}

// deadlineBody lifts the connection's read deadline when the body ends.
type deadlineBody struct {
	io.ReadCloser
	rc     *http.ResponseController
	lifted atomic.Bool // Close may come from the server's goroutine
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	// Only the end lifts it: after a timeout or a broken body the server
	// still reads (to discard the rest), and that read must stay bounded.
	if err == io.EOF {
		b.lift()
	}
	return n, err
}

// Close lifts the deadline after the body's own Close, which may still read
// (and hit the end of) what is left of a small body.
func (b *deadlineBody) Close() error {
	err := b.ReadCloser.Close()
	b.lift()
	return err
}

func (b *deadlineBody) lift() {
	if b.lifted.CompareAndSwap(false, true) {
		_ = b.rc.SetReadDeadline(time.Time{})
	}
}
