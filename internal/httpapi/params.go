package httpapi

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/uimsg"
)

// pathUUID reads a UUID path parameter in canonical lower-case form.
func pathUUID(r *http.Request, name string) (string, error) {
	return parseUUID(name, r.PathValue(name))
}

func parseUUID(field, raw string) (string, error) {
	u, err := uuid.Parse(raw)
	if err != nil || len(raw) != 36 {
		return "", apperr.Invalidf("%s: must be a UUID", field)
	}
	return u.String(), nil
}

// pathMessageID reads a client-chosen message id (1–64 of [A-Za-z0-9_-]).
func pathMessageID(r *http.Request, name string) (string, error) {
	id := r.PathValue(name)
	if !uimsg.ValidID(id) {
		return "", apperr.Invalidf("%s: must be 1-64 characters of A-Z a-z 0-9 _ -", name)
	}
	return id, nil
}

// Thread cursors are opaque to clients: base64url of "<micros>.<id>".
func encodeThreadCursor(t store.Thread) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UpdatedAt.UnixMicro(), 10) + "." + t.ID))
}

func decodeThreadCursor(raw string) (*store.ThreadCursor, error) {
	if raw == "" {
		return nil, nil
	}
	bad := apperr.Invalidf("cursor: not a cursor returned by this endpoint")
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil, bad
	}
	ts, id, ok := strings.Cut(string(b), ".")
	us, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || us < 0 {
		return nil, bad
	}
	if _, err := uuid.Parse(id); err != nil {
		return nil, bad
	}
	return &store.ThreadCursor{UpdatedAt: time.UnixMicro(us).UTC(), ID: id}, nil
}
