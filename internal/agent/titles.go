package agent

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"regexp"
	"strings"

	"github.com/kira-art/kira/internal/llm"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/uimsg"
)

// Titles replaces a new thread's provisional title with a model-written
// one. It is the jobs.Titler the River title job calls (the store enqueues
// that job with the thread), so a title survives restarts and is retried
// on transient failures.
type Titles struct {
	store    *store.Store
	model    llm.Model
	log      *slog.Logger
	onTitled func(ctx context.Context, threadID, userID, title string)
}

// NewTitles makes the title writer. onTitled (may be nil) runs after a
// title is stored, e.g. to publish {"type":"thread_title"} to the user.
func NewTitles(st *store.Store, model llm.Model, log *slog.Logger, onTitled func(ctx context.Context, threadID, userID, title string)) *Titles {
	if log == nil {
		log = slog.Default()
	}
	return &Titles{store: st, model: model, log: log, onTitled: onTitled}
}

// WriteTitle names the thread after its first user message: its text, or
// what it attached when it has none. A thread that is gone, already has a
// user-chosen title, or cannot be named is done (nil); an error means a
// retry may succeed (database, network, provider overload).
func (t *Titles) WriteTitle(ctx context.Context, threadID string) error {
	first, ok, err := t.firstUserMessage(ctx, threadID)
	if err != nil || !ok {
		return err
	}
	thread, err := t.store.GetThread(ctx, first.UserID, threadID)
	if errors.Is(err, store.ErrNotFound) || err == nil && thread.TitleSource != "provisional" {
		return nil
	}
	if err != nil {
		return err
	}
	in, err := t.titleInput(ctx, first)
	if err != nil {
		return err
	}
	title, err := llm.Title(ctx, t.model, in)
	if err != nil {
		if errors.Is(err, llm.ErrEmptyTitle) {
			t.log.Info("nothing to title; keeping the provisional title", "thread_id", threadID)
			return nil
		}
		if permanent(err) {
			t.log.Warn("model refused the title; keeping the provisional one", "thread_id", threadID, "err", err)
			return nil
		}
		return err
	}
	changed, err := t.store.SetModelTitle(ctx, threadID, title)
	if err != nil {
		return err
	}
	if changed && t.onTitled != nil {
		t.onTitled(ctx, threadID, first.UserID, title)
	}
	return nil
}

// permanent reports a provider refusing the request itself (HTTP 4xx
// other than overload), which retrying cannot fix.
func permanent(err error) bool {
	var api *llm.APIError
	return errors.As(err, &api) && !api.Temporary()
}

// firstUserMessage reads the thread's first user message; ok is false when
// the thread has none (it was deleted before the job ran).
func (t *Titles) firstUserMessage(ctx context.Context, threadID string) (ownedMessage, bool, error) {
	return firstUserMessage(ctx, t.store, threadID)
}

func firstUserMessage(ctx context.Context, st *store.Store, threadID string) (ownedMessage, bool, error) {
	rows, err := st.ListMessages(ctx, threadID)
	if err != nil {
		return ownedMessage{}, false, err
	}
	for _, row := range rows {
		m, _, err := uimsg.Parse(row.Body)
		if err == nil && m.Role == "user" {
			return ownedMessage{Message: m, UserID: row.UserID}, true, nil
		}
	}
	return ownedMessage{}, false, nil
}

// ownedMessage is a parsed message with its author.
type ownedMessage struct {
	uimsg.Message
	UserID string
}

// maxTitleFiles bounds the registry look-ups for one title.
const maxTitleFiles = 4

// fileIDRe finds our file ids ("<prefix>_<uuid>") in a file part's name or
// URL (signed URLs carry the storage key, which holds the id).
var fileIDRe = regexp.MustCompile(`[a-z]+_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// titleInput takes the message's text and, when it has none, describes
// its file parts from the message and, for our own files, the registry:
// the prompt a generated image was made from names it best.
func (t *Titles) titleInput(ctx context.Context, m ownedMessage) (llm.TitleInput, error) {
	in := llm.TitleInput{Text: m.Text()}
	if strings.TrimSpace(in.Text) != "" {
		return in, nil
	}
	for _, raw := range m.Parts {
		var p rawPart
		if json.Unmarshal(raw, &p) != nil || p.Type != "file" {
			continue
		}
		a := llm.Attachment{MediaType: p.MediaType, Filename: p.Filename}
		if id := fileIDRe.FindString(p.Filename + " " + p.URL); id != "" {
			f, err := t.store.GetFile(ctx, id)
			switch {
			case err == nil && f.UserID == m.UserID:
				a.Prompt = f.Prompt
				if a.MediaType == "" {
					a.MediaType = f.ContentType
				}
			case err != nil && !errors.Is(err, store.ErrNotFound):
				return in, err
			}
		}
		if in.Attachments = append(in.Attachments, a); len(in.Attachments) == maxTitleFiles {
			break
		}
	}
	return in, nil
}
