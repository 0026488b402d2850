// Package realtime pushes task-status messages to connected clients over
// the Centrifugo client protocol (STREAMING.md §6). Two deployments share
// one Publisher: the embedded Centrifuge Node served at
// /connection/websocket (with its Redis broker when several instances run)
// and an external Centrifugo reached over its HTTP API, whose connection
// tokens TokenMinter signs.
//
// A client may only read its own channels, named by UserChannel: every
// message about a thread goes to {userID}/{threadID}#{userID}. The "#user"
// suffix is Centrifugo's user-limited channel boundary, so an external
// Centrifugo enforces the same rule the embedded Node does.
package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Publisher sends one message to every client subscribed to a channel.
// data is a JSON object. Implementations are safe for concurrent use.
// Publishing to a channel nobody listens on is not an error.
type Publisher interface {
	Publish(ctx context.Context, channel string, data []byte) error
}

// ErrBadChannel is wrapped by ParseUserChannel's errors.
var ErrBadChannel = errors.New("realtime: not a user channel")

// ErrBadData is wrapped by Publish errors for data that is not a JSON
// object; JSON-protocol clients could not decode anything else.
var ErrBadData = errors.New("realtime: data is not a JSON object")

// maxUserIDLen bounds the user part of a channel; Centrifuge refuses
// channels over 255 bytes anyway, and ids here are 36-byte UUIDs.
const maxUserIDLen = 100

// UserChannel names the channel of one user's thread:
// {userID}/{threadID}#{userID}. It does not validate its arguments; the
// server only builds channels from ids it made.
func UserChannel(userID, threadID string) string {
	return userID + "/" + threadID + "#" + userID
}

// ParseUserChannel splits a channel made by UserChannel and validates it:
// the two user parts are the same non-empty id without '/', '#', ','
// (Centrifugo's user-list separator), braces or spaces, and the thread id is a UUID in canonical lower-case form
// (the only form the server publishes to, so any other can never receive
// anything).
func ParseUserChannel(channel string) (userID, threadID string, err error) {
	head, tail, ok := strings.Cut(channel, "#")
	if !ok {
		return "", "", badChannel("no '#'")
	}
	userID, threadID, ok = strings.Cut(head, "/")
	switch {
	case !ok:
		return "", "", badChannel("no '/'")
	case !validUserID(userID):
		return "", "", badChannel("bad user id")
	case tail != userID:
		return "", "", badChannel("user parts differ")
	case !canonicalUUID(threadID):
		return "", "", badChannel("thread id is not a canonical UUID")
	}
	return userID, threadID, nil
}

func badChannel(why string) error {
	return fmt.Errorf("%w: %s", ErrBadChannel, why)
}

func validUserID(id string) bool {
	if id == "" || len(id) > maxUserIDLen {
		return false
	}
	for _, r := range id {
		if r <= ' ' || r == 0x7f || r == '/' || r == '#' || r == ',' || r == '{' || r == '}' {
			return false
		}
	}
	return true
}

// canonicalUUID accepts exactly the 36-byte lower-case form uuid.String
// writes; uuid.Parse alone would also take braces, urn: and upper case.
func canonicalUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	u, err := uuid.Parse(s)
	return err == nil && u.String() == s
}

// checkData reports whether data is one JSON object, the only payload the
// clients' message handlers expect.
func checkData(data []byte) error {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(data) {
		return ErrBadData
	}
	return nil
}
