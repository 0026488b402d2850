package blobtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// Fault is what a Proxy does to the requests it gets.
type Fault int32

// Faults.
const (
	Pass       Fault = iota // forward to the fake S3
	Fail503                 // answer 503 SlowDown at once
	Stall                   // answer nothing until the client gives up (or 30 s)
	FailWrites              // 503 for PUT/POST/DELETE, reads pass
)

// Proxy sits in front of a fake S3 and injects outages on demand.
type Proxy struct {
	*httptest.Server
	fault    atomic.Int32
	Requests atomic.Int64 // requests seen, faulted or not
	Parts    atomic.Int64 // UploadPart requests seen (multipart uploads)
}

// NewProxy forwards to target until told otherwise.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &Proxy{}
	done := make(chan struct{})
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.Requests.Add(1)
		if r.Method == http.MethodPut && r.URL.Query().Has("uploadId") {
			p.Parts.Add(1)
		}
		switch f := Fault(p.fault.Load()); {
		case f == Fail503, f == FailWrites && r.Method != http.MethodGet && r.Method != http.MethodHead:
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`))
		case f == Stall:
			// Read the body first: only then does the server notice the
			// client hanging up (and cancel r.Context()).
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-done:
			case <-time.After(30 * time.Second):
			}
		default:
			rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(p.Close)
	t.Cleanup(func() { close(done) }) // runs first: stalled handlers return
	return p
}

// Set changes the fault from now on.
func (p *Proxy) Set(f Fault) { p.fault.Store(int32(f)) }
