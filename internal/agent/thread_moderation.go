package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/kira-art/kira/internal/files"
	"github.com/kira-art/kira/internal/moderation"
	"github.com/kira-art/kira/internal/store"
)

// maxModeratedImages bounds the images of one first message that are
// checked (each is a decode and a provider call).
const maxModeratedImages = 8

// ImageVerdicts decides about a stored image once (internal/files: stored
// verdicts answer without a decode; a CSAM hit deletes the file and is
// files.ErrCSAMBlocked).
type ImageVerdicts interface {
	Verdict(ctx context.Context, f store.File) (moderation.Verdict, error)
}

// ThreadModeration checks a new thread's first user message — its text and
// the images of ours it attaches — and flags the thread "nsfw" on a hit
// (NSFW or CSAM). It runs as the moderate_thread job (internal/jobs), so
// creating a thread never waits on the provider.
type ThreadModeration struct {
	store   *store.Store
	images  ImageVerdicts
	checker moderation.Checker
	log     *slog.Logger
}

// NewThreadModeration builds the thread check; a nil checker makes every
// check an error (retried, never a pass).
func NewThreadModeration(st *store.Store, images ImageVerdicts, checker moderation.Checker, log *slog.Logger) *ThreadModeration {
	if log == nil {
		log = slog.Default()
	}
	return &ThreadModeration{store: st, images: images, checker: checker, log: log}
}

// ModerateThread checks the first user message of threadID. A thread that
// is gone is done; an error (provider down, database) means "not decided",
// and the job retries.
func (m *ThreadModeration) ModerateThread(ctx context.Context, threadID string) error {
	if m.checker == nil {
		return errors.New("no moderation checker configured")
	}
	first, ok, err := firstUserMessage(ctx, m.store, threadID)
	if err != nil || !ok {
		return err
	}
	v, err := m.checker.CheckText(ctx, first.Text())
	if err != nil {
		return fmt.Errorf("moderate thread %s text: %w", threadID, err)
	}
	if !v.NSFW && !v.CSAM {
		if v, err = m.checkImages(ctx, first); err != nil {
			return fmt.Errorf("moderate thread %s images: %w", threadID, err)
		}
	}
	if !v.NSFW && !v.CSAM {
		return nil
	}
	m.log.Warn("first message flagged: thread marked nsfw", "thread_id", threadID, "user_id", first.UserID,
		"csam", v.CSAM, "reasons", v.Reasons)
	err = m.store.AddThreadFlag(ctx, threadID, store.FlagNSFW)
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted meanwhile
	}
	return err
}

// checkImages checks the message's file parts that name an image of the
// author's, until the first hit. Other URLs are not fetched (the server
// never downloads what a client points at).
func (m *ThreadModeration) checkImages(ctx context.Context, msg ownedMessage) (moderation.Verdict, error) {
	checked := 0
	for _, raw := range msg.Parts {
		var p rawPart
		if json.Unmarshal(raw, &p) != nil || p.Type != "file" {
			continue
		}
		id := fileIDRe.FindString(p.Filename + " " + p.URL)
		if id == "" {
			continue
		}
		f, err := m.store.GetFile(ctx, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && (f.UserID != msg.UserID || f.Kind != "image") {
			continue
		}
		if err != nil {
			return moderation.Verdict{}, err
		}
		v, err := m.images.Verdict(ctx, f)
		if errors.Is(err, files.ErrCSAMBlocked) {
			return v, nil // the file is deleted; the thread is still flagged
		}
		if err != nil || v.NSFW || v.CSAM {
			return v, err
		}
		if checked++; checked == maxModeratedImages {
			break
		}
	}
	return moderation.Verdict{}, nil
}
