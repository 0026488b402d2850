// Package accounts owns account deletion (API.md §3.4 DELETE /user/, §3.9):
// a user's request schedules the hard delete after a grace period with a
// reminder mail before it, a cancel withdraws it, and HardDelete — run by
// the scheduled job or an operator — removes the account at once. The
// store does the rows and queues the clean-ups in one transaction; this
// package stops what is still running for the user first and tells the
// caches afterwards.
package accounts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/hotcache"
	"github.com/kira-art/kira/internal/store"
)

// RunStopper stops a thread's running agent run on whatever instance runs
// it and waits until it has saved (internal/agent, the same stop as
// POST /agent/task/{threadId}/stop).
type RunStopper interface {
	StopRun(ctx context.Context, threadID string) (bool, error)
}

// Config is the deletion schedule (config.AccountsConfig).
type Config struct {
	Grace    time.Duration // request → hard delete
	Reminder time.Duration // reminder mail this long before the delete
}

// Service is the account deletion domain. Runs and Cache may be nil (no
// agent, no hot caches).
type Service struct {
	Store  *store.Store
	Runs   RunStopper
	Cache  hotcache.Notifier
	Config Config
	Log    *slog.Logger
}

// ErrAlreadyScheduled is the 409 of a second deletion request.
var ErrAlreadyScheduled = apperr.New(apperr.Conflict, "account deletion is already scheduled").WithCode("already_scheduled")

// ErrNotScheduled is the 404 of a cancel with nothing scheduled.
var ErrNotScheduled = apperr.NotFoundf("no account deletion is scheduled")

// Status is a user's deletion state.
type Status struct {
	Scheduled    bool
	DeletionDate time.Time // when Scheduled
}

// profileTopicPrefix starts the cache topic that announces a deleted
// profile (see ProfileDeletedTopic).
const profileTopicPrefix = "profile-deleted:"

// ProfileDeletedTopic is the hot-cache topic announcing that userID's
// profile is gone: every instance forgets it had seen the profile, so the
// next request with a still-valid token creates a fresh one instead of
// writing rows for a missing user.
func ProfileDeletedTopic(userID string) string { return profileTopicPrefix + userID }

// DeletedProfile reports whether topic is a ProfileDeletedTopic, and whose.
func DeletedProfile(topic string) (userID string, ok bool) {
	userID, ok = strings.CutPrefix(topic, profileTopicPrefix)
	return userID, ok && userID != ""
}

// Schedule records the request and queues its mails and the hard delete.
func (s *Service) Schedule(ctx context.Context, userID, reason, reasonText string) (Status, error) {
	d, err := s.Store.ScheduleDeletion(ctx, userID, reason, reasonText, s.Config.Grace, s.Config.Reminder)
	if errors.Is(err, store.ErrConflict) {
		return Status{}, ErrAlreadyScheduled
	}
	if err != nil {
		return Status{}, apperr.Wrap(err, "schedule deletion")
	}
	return Status{Scheduled: true, DeletionDate: d.DeleteAt}, nil
}

// Status reads whether a deletion is scheduled and when it runs.
func (s *Service) Status(ctx context.Context, userID string) (Status, error) {
	d, err := s.Store.DeletionStatus(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return Status{}, nil
	}
	if err != nil {
		return Status{}, apperr.Wrap(err, "deletion status")
	}
	return Status{Scheduled: true, DeletionDate: d.DeleteAt}, nil
}

// Cancel withdraws a scheduled deletion (its jobs with it).
func (s *Service) Cancel(ctx context.Context, userID string) error {
	err := s.Store.CancelDeletion(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotScheduled
	}
	if err != nil {
		return apperr.Wrap(err, "cancel deletion")
	}
	return nil
}

// HardDelete removes userID's account now. It stops the user's running
// agent runs first (each saves what it had before its thread goes; a run
// that cannot be stopped fails the delete, which its job retries), then
// deletes every row in one transaction — unfinished media tasks go with
// it and their workers stop at the next heartbeat, finding the task gone —
// and finally invalidates the hot reads that showed the user's posts,
// likes or profile. An unknown user is nothing to do.
func (s *Service) HardDelete(ctx context.Context, userID string) (store.DeletedUser, error) {
	if err := s.stopRuns(ctx, userID); err != nil {
		return store.DeletedUser{}, err
	}
	d, err := s.Store.DeleteUser(ctx, userID)
	if err != nil {
		return store.DeletedUser{}, err
	}
	if !d.Found {
		return d, nil
	}
	s.log().InfoContext(ctx, "account deleted", "user_id", userID, "posts", len(d.FeedIDs),
		"likes", len(d.LikedFeedIDs), "cancelled_tasks", len(d.CancelledTaskIDs))
	if s.Cache != nil {
		// The feed and featured pages and sitemaps are keyed by topic, not
		// post: these topics drop every entry that can show the user's
		// posts, likes or profile. A lost announcement leaves other
		// instances stale for at most their max age.
		_ = s.Cache.Invalidate(context.WithoutCancel(ctx), hotcache.TopicFeed, hotcache.TopicFeatured,
			hotcache.TopicUsers, ProfileDeletedTopic(userID))
	}
	return d, nil
}

func (s *Service) stopRuns(ctx context.Context, userID string) error {
	if s.Runs == nil {
		return nil
	}
	threads, err := s.Store.RunningThreads(ctx, userID)
	if err != nil {
		return fmt.Errorf("running threads: %w", err)
	}
	for _, id := range threads {
		if _, err := s.Runs.StopRun(ctx, id); err != nil {
			return fmt.Errorf("stop run of thread %s: %w", id, err)
		}
	}
	return nil
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}
