package httpapi

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/store"
)

// FuzzDecodeThreadCursor: a client's ?cursor= is refused as a 400 or
// decoded to a UUID id and a non-negative time that encode back to a
// cursor decoding to the same position.
func FuzzDecodeThreadCursor(f *testing.F) {
	id := uuid.NewString()
	f.Add(encodeThreadCursor(store.Thread{ID: id}))
	for _, s := range []string{"", "AAAA", "MTcwMDAwMDAwMDAwMC4", "LTEu", "%00", "MS4xLjE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := decodeThreadCursor(raw)
		if err != nil {
			if !isInvalid(err) {
				t.Fatalf("%q: error %v is not a 400", raw, err)
			}
			return
		}
		if c == nil {
			if raw != "" {
				t.Fatalf("%q: no cursor and no error", raw)
			}
			return
		}
		if _, err := uuid.Parse(c.ID); err != nil || c.UpdatedAt.UnixMicro() < 0 {
			t.Fatalf("%q decoded to %+v", raw, c)
		}
		back, err := decodeThreadCursor(encodeThreadCursor(store.Thread{ID: c.ID, UpdatedAt: c.UpdatedAt}))
		if err != nil || !back.UpdatedAt.Equal(c.UpdatedAt) || !strings.EqualFold(back.ID, c.ID) {
			t.Fatalf("%q: %+v does not round-trip (%+v, %v)", raw, c, back, err)
		}
	})
}

// FuzzParseUUIDList: a comma-separated id list (/video/info/{videoIds}) is
// a 400 or at most maxListIDs canonical UUIDs.
func FuzzParseUUIDList(f *testing.F) {
	a, b := uuid.NewString(), uuid.NewString()
	for _, s := range []string{a, a + "," + b, a + ",", ",", "", strings.ToUpper(a), "{" + a + "}", "urn:uuid:" + a,
		strings.Repeat(a+",", 101) + a} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ids, err := parseUUIDList("videoIds", raw)
		if err != nil {
			if !isInvalid(err) {
				t.Fatalf("%q: error %v is not a 400", raw, err)
			}
			return
		}
		if len(ids) == 0 || len(ids) > maxListIDs {
			t.Fatalf("%q: %d ids", raw, len(ids))
		}
		for _, id := range ids {
			if u, err := uuid.Parse(id); err != nil || u.String() != id {
				t.Fatalf("%q: %q is not a canonical UUID", raw, id)
			}
		}
	})
}

// FuzzFilePart: whatever multipart body a client sends to /upload,
// filePart finds the "file" part or answers a 400/413 — never a panic or
// another error kind.
func FuzzFilePart(f *testing.F) {
	f.Add("b0undary", []byte("--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\nDATA\r\n--b0undary--\r\n"))
	f.Add("b0undary", []byte("--b0undary\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--b0undary--\r\n"))
	f.Add("x", []byte("--x\r\nContent-Disposition: form-data; name=\"file\r\n\r\n--x"))
	f.Add("", []byte("not multipart"))
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/upload", bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		req.Body = http.MaxBytesReader(httptest.NewRecorder(), req.Body, 1<<16)
		p, err := filePart(req)
		if err != nil {
			if !isInvalid(err) && !errors.Is(err, errBodyTooLarge) {
				t.Fatalf("error %v is neither 400 nor 413", err)
			}
			return
		}
		defer p.Close()
		if p.FormName() != "file" {
			t.Fatalf("returned part %q", p.FormName())
		}
	})
}

// FuzzParseFileID: an image id from a path or list is a 400 or 1–200
// characters of A-Z a-z 0-9 _ - (nothing a storage key could be steered by).
func FuzzParseFileID(f *testing.F) {
	for _, s := range []string{"gen_" + uuid.NewString(), "insert_x", "", "../x", "a/b", "a%2fb", "a\x00", "😀",
		strings.Repeat("a", 201)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		id, err := parseFileID("imageId", raw)
		if err != nil {
			return
		}
		if id != raw || len(id) == 0 || len(id) > 200 || strings.ContainsAny(id, "./\\%\x00 ") {
			t.Fatalf("accepted %q", raw)
		}
	})
}

func isInvalid(err error) bool {
	e, ok := apperr.As(err)
	return ok && e.Kind == apperr.Invalid
}
