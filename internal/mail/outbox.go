package mail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Outbox is the default Sender: each message becomes one .eml file in Dir,
// readable by any mail client, so a deployment without SMTP still shows
// what it would have sent.
type Outbox struct {
	dir  string
	from string
	now  func() time.Time
}

// NewOutbox returns an Outbox writing into dir (created when missing) with
// the From address from.
func NewOutbox(dir, from string) (*Outbox, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("mail: outbox: %w", err)
	}
	return &Outbox{dir: dir, from: from, now: time.Now}, nil
}

// Dir is the directory the outbox writes to.
func (o *Outbox) Dir() string { return o.dir }

// Send writes m as <time>-<message id>.eml. The file appears complete or not
// at all: it is written under a dot-prefixed temporary name, synced, and
// renamed, so a reader listing *.eml never sees half a message.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return temporary(err)
	}
	now := o.now()
	msg, err := Build(o.from, &m, now)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(o.dir, ".tmp-*.eml")
	if err != nil {
		return temporary(err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := msg.WriteTo(tmp); err != nil {
		return temporary(err)
	}
	if err := errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return temporary(err)
	}
	name := now.UTC().Format("20060102T150405.000000000Z") + "-" + fileSafe(m.MessageID) + ".eml"
	if err := os.Rename(tmp.Name(), filepath.Join(o.dir, name)); err != nil {
		return temporary(err)
	}
	committed = true
	return nil
}

// fileSafe keeps a message id usable as a file name on any file system.
func fileSafe(id string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_', r == '@':
			return r
		}
		return '_'
	}, id)
}
