package middleware

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"sync/atomic"
)

// requestIDHeader is the header a request id arrives in and is echoed in.
const requestIDHeader = "X-Request-Id"

// RequestID takes a sane incoming X-Request-Id (1–64 chars of
// [A-Za-z0-9._-]) or makes a new one, sets it on the response header
// X-Request-Id and in the request context.
//
// Incoming ids are accepted so a proxy or client can correlate its logs with
// ours, but only in a restricted shape because they end up in log lines and
// response headers.
//
// New ids look like UUIDs (8-4-4-4-12 hex digits): a random per-process
// prefix followed by a counter that starts at a random value. They are
// unique, not secret, and cost one small allocation instead of a call to
// the system's random source per request.
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, s := withState(r)
		id := r.Header.Get(requestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		s.id = id
		s.idVal[0] = id
		// Assigned directly (the key is canonical) to reuse idVal.
		w.Header()[requestIDHeader] = s.idVal[:1:1]
		next.ServeHTTP(w, r)
	})
}

// RequestIDFrom returns the request id stored by RequestID, or "" if there is
// none.
func RequestIDFrom(ctx context.Context) string {
	if s := stateFrom(ctx); s != nil {
		return s.id
	}
	return ""
}

var (
	idPrefix  [19]byte // "xxxxxxxx-xxxx-xxxx-", fixed for the process
	idCounter atomic.Uint64
)

func init() {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	hex.Encode(idPrefix[0:8], b[0:4])
	idPrefix[8] = '-'
	hex.Encode(idPrefix[9:13], b[4:6])
	idPrefix[13] = '-'
	hex.Encode(idPrefix[14:18], b[6:8])
	idPrefix[18] = '-'
	idCounter.Store(binary.BigEndian.Uint64(b[8:]))
}

// newRequestID makes the next process-unique id.
func newRequestID() string {
	var c [8]byte
	binary.BigEndian.PutUint64(c[:], idCounter.Add(1))
	var buf [36]byte
	copy(buf[:], idPrefix[:])
	hex.Encode(buf[19:23], c[0:2])
	buf[23] = '-'
	hex.Encode(buf[24:36], c[2:8])
	return string(buf[:])
}

func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
