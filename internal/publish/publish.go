// Package publish turns a user's image or finished media task into a feed
// post (API.md §3.5): moderate, embed, check for near-duplicates, copy to
// public storage, insert with flags. Publishing never fails because of
// moderation: content that cannot be cleared is stored hidden.
package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/embed"
	"github.com/kira-art/kira/internal/files"
	"github.com/kira-art/kira/internal/imaging"
	"github.com/kira-art/kira/internal/moderation"
	"github.com/kira-art/kira/internal/store"
)

// DuplicateDistance is the cosine distance at or under which a new post is
// a near-duplicate of an existing one (API.md §3.5).
const DuplicateDistance = 0.25

// Service publishes posts. Every field but Log is required; a nil Checker
// is treated as a checker that always fails (posts are stored hidden), so a
// wiring mistake can never let unmoderated content into the public feed.
type Service struct {
	Store    *store.Store
	Blobs    blob.Store
	Files    *files.Service // decodes the image to moderate and embed, within its bounds
	Checker  moderation.Checker
	Embedder embed.Embedder
	Index    embed.Index
	Log      *slog.Logger
}

// draft is what the public entry points resolve from the caller's own
// records before the shared pipeline runs.
type draft struct {
	feed       store.Feed
	source     store.File  // the file copied to public storage
	visual     *store.File // the image moderated and embedded: the image, a thumbnail or a cover
	needVisual bool        // a missing visual means "could not moderate" (videos)
	texts      []string
	subject    string // what the log names on a CSAM hit
}

// Image publishes an image file the caller owns. Unknown ids and other
// users' images are both 404, so ids cannot be probed.
func (s *Service) Image(ctx context.Context, userID, imageID string) (store.Feed, error) {
	f, err := s.Store.GetFile(ctx, imageID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (f.UserID != userID || f.Kind != "image")) {
		return store.Feed{}, apperr.NotFoundf("image not found")
	}
	if err != nil {
		return store.Feed{}, err
	}
	threadID, messageID, err := s.Store.ImageOrigin(ctx, imageID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Feed{}, err // not being in a thread is fine (uploads)
	}
	d := draft{
		feed: store.Feed{UserID: userID, MediaKind: store.MediaImage, ImageID: f.ID, OriginImageID: f.ID,
			ThreadID: threadID, MessageID: messageID, Prompt: f.Prompt},
		source: f, visual: &f, needVisual: true, texts: []string{f.Prompt}, subject: "image " + f.ID,
	}
	return s.publish(ctx, d)
}

// Task publishes a completed video or audio task the caller owns; only the
// task id is trusted, everything else is read from the task row. Unknown
// ids, other users' tasks and tasks of the other kind are 404; a task that
// is not completed (or has no result file) is 400 invalid_status.
func (s *Service) Task(ctx context.Context, userID, kind, taskID string) (store.Feed, error) {
	t, err := s.Store.FeedSourceTask(ctx, taskID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (t.UserID != userID || t.Kind != kind)) {
		return store.Feed{}, apperr.NotFoundf("%s not found", kind)
	}
	if err != nil {
		return store.Feed{}, err
	}
	invalid := apperr.Invalidf("%s: the task is not completed", kind).WithCode("invalid_status")
	if t.Status != "completed" || t.ResultFileID == "" {
		return store.Feed{}, invalid
	}
	files, err := s.Store.GetFiles(ctx, nonEmpty(t.ResultFileID, t.ThumbFileID))
	if err != nil {
		return store.Feed{}, err
	}
	result, ok := files[t.ResultFileID]
	if !ok {
		return store.Feed{}, invalid // the result was deleted: nothing to publish
	}
	d := draft{
		feed: store.Feed{UserID: userID, MediaKind: kind, TaskID: t.ID, ThreadID: t.ThreadID,
			MessageID: t.MessageID, Prompt: t.Prompt},
		source: result, texts: []string{t.Prompt}, subject: kind + " task " + t.ID,
		// The thumbnail stands in for a video's frames, so a video without
		// one cannot be cleared; an audio's cover is decoration and optional.
		needVisual: kind == store.MediaVideo,
	}
	if thumb, ok := files[t.ThumbFileID]; ok && thumb.Kind == "image" {
		d.visual = &thumb
	}
	if kind == store.MediaAudio {
		var params struct {
			Lyrics string `json:"lyrics"`
		}
		_ = json.Unmarshal(t.Params, &params) // params are written by the server; no lyrics is fine
		d.texts = append(d.texts, params.Lyrics)
	}
	return s.publish(ctx, d)
}

// publish runs the pipeline shared by every kind. Moderation runs before
// the public copy is made so that a CSAM hit never reaches public storage:
// such a post is stored hidden without a copy (its owner still sees their
// private original).
func (s *Service) publish(ctx context.Context, d draft) (store.Feed, error) {
	d.feed.ID = uuid.NewString()
	log := s.log().With("user_id", d.feed.UserID, "media_kind", d.feed.MediaKind, "feed_id", d.feed.ID)
	p, err := s.Store.GetProfile(ctx, d.feed.UserID)
	if err != nil {
		return store.Feed{}, err
	}
	img, imgErr := s.loadVisual(ctx, d)
	verdict, modErr := s.moderate(ctx, img, imgErr, d.texts)
	var flags []string
	if p.Banned {
		flags = append(flags, store.FlagBan)
	}
	space := embed.Space(s.Embedder.Model(), d.feed.MediaKind)
	vec := s.duplicateCheck(ctx, log, space, img, d.feed.UserID, &flags)
	if modErr != nil || verdict.NSFW || verdict.CSAM {
		flags = append(flags, store.FlagNSFW)
	}
	switch {
	case verdict.CSAM:
		log.Error("CSAM detected on publish: post stored hidden, not copied", "subject", d.subject, "reasons", verdict.Reasons)
	case modErr != nil:
		log.Warn("moderation failed on publish: post stored hidden", "err", modErr)
	}
	d.feed.Flags = flags
	if !verdict.CSAM {
		d.feed.PublicKey = publicKey(d.feed.UserID, d.feed.ID, d.source.ContentType)
		if err := s.Blobs.Copy(ctx, d.source.StorageKey, d.feed.PublicKey); err != nil {
			return store.Feed{}, apperr.Wrap(err, "copy to public storage")
		}
	}
	feed, err := s.Store.CreateFeed(ctx, d.feed, d.source.ID)
	if err != nil {
		s.discard(d.feed.PublicKey)
		return store.Feed{}, err
	}
	if vec != nil {
		if err := s.Index.Upsert(ctx, space, feed.ID, feed.UserID, feed.Public, vec); err != nil {
			// The post stands; it just will not be found by later duplicate checks.
			log.Warn("store embedding", "err", err)
		}
	}
	return feed, nil
}

// loadVisual reads and decodes the image to moderate and embed (nil, nil
// when the draft has none).
func (s *Service) loadVisual(ctx context.Context, d draft) (image.Image, error) {
	if d.visual == nil {
		if d.needVisual {
			return nil, errors.New("no thumbnail to moderate")
		}
		return nil, nil
	}
	img, err := s.Files.Decode(ctx, *d.visual)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", d.visual.ID, err)
	}
	return img, nil
}

// moderate checks the image and every non-empty text in parallel and
// merges the verdicts. An image that could not be loaded counts as a
// checker error: content that was not checked is never cleared.
func (s *Service) moderate(ctx context.Context, img image.Image, imgErr error, texts []string) (moderation.Verdict, error) {
	if s.Checker == nil {
		return moderation.Verdict{}, errors.New("no moderation checker configured")
	}
	var (
		mu   sync.Mutex
		out  moderation.Verdict
		errs = []error{imgErr}
		wg   sync.WaitGroup
	)
	merge := func(v moderation.Verdict, err error) {
		mu.Lock()
		defer mu.Unlock()
		out.CSAM = out.CSAM || v.CSAM
		out.NSFW = out.NSFW || v.NSFW
		out.Reasons = append(out.Reasons, v.Reasons...)
		errs = append(errs, err)
	}
	if img != nil {
		wg.Go(func() { merge(s.Checker.CheckImage(ctx, img)) })
	}
	for _, text := range texts {
		if text != "" {
			wg.Go(func() { merge(s.Checker.CheckText(ctx, text)) })
		}
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// duplicateCheck embeds the image and adds the duplicate flag when a post
// of the caller's, or a public one, is within DuplicateDistance. It is
// best-effort: an embedding or index failure is logged and the post goes
// on without the check (moderation, not this, guards what is shown).
func (s *Service) duplicateCheck(ctx context.Context, log *slog.Logger, space string, img image.Image, userID string, flags *[]string) embed.Vector {
	if img == nil {
		return nil
	}
	vec, err := s.Embedder.Embed(ctx, img)
	if err != nil {
		log.Warn("embed image", "err", err)
		return nil
	}
	matches, err := s.Index.Nearest(ctx, space, vec, userID, DuplicateDistance)
	if err != nil {
		log.Warn("duplicate check", "err", err)
		return vec
	}
	if len(matches) > 0 {
		*flags = append(*flags, store.FlagDuplicate)
		log.Info("near-duplicate post", "of_feed_id", matches[0].FeedID, "distance", matches[0].Distance)
	}
	return vec
}

// discard deletes a public copy whose post was never stored.
func (s *Service) discard(key string) {
	if key == "" {
		return
	}
	// A fresh context: the request's may be what failed.
	if err := s.Blobs.Delete(context.Background(), key); err != nil {
		s.log().Warn("delete orphaned public copy", "key", key, "err", err)
	}
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// publicKey is the blob key of a post's public copy: the published area
// of the key layout (blob.PublicFileKey), under the author's id and the
// server-made post id, so two posts of one file never share a copy. The
// extension comes from a known content type (the file server derives
// Content-Type from it).
func publicKey(userID, feedID, contentType string) string {
	f, _ := imaging.ByContentType(contentType)
	return blob.PublicFileKey(userID, feedID, "original"+f.Ext)
}

// Delete removes the caller's post with its likes and embedding, then its
// public copy. Missing posts and other users' hidden posts are 404 (their
// existence is not the caller's business); other users' public posts are
// 403.
func (s *Service) Delete(ctx context.Context, userID, feedID string) error {
	f, err := s.Store.GetFeed(ctx, feedID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && f.UserID != userID && !f.Public) {
		return apperr.NotFoundf("post not found")
	}
	if err != nil {
		return err
	}
	if f.UserID != userID {
		return apperr.New(apperr.Forbidden, "not your post")
	}
	deleted, err := s.Store.DeleteFeed(ctx, userID, feedID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // a concurrent delete won; the outcome is the same
	}
	if err != nil {
		return err
	}
	// After commit: an external index and the blob are not transactional.
	if err := s.Index.Delete(ctx, feedID); err != nil {
		s.log().Warn("delete embedding", "feed_id", feedID, "err", err)
	}
	if deleted.PublicKey != "" {
		s.discard(deleted.PublicKey)
	}
	return nil
}

func nonEmpty(ids ...string) []string {
	out := ids[:0]
	for _, id := range ids {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}
