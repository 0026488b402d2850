package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/jobs/jobargs"
	"github.com/kira-art/kira/internal/mail"
)

// DeletedUser is what a hard delete changed, for the caller's cache
// invalidation.
type DeletedUser struct {
	Found bool // false: there was no such profile (nothing to do)
	// FeedIDs are the user's posts, now gone.
	FeedIDs []string
	// LikedFeedIDs are other users' posts the user liked, whose
	// liked_number dropped by one.
	LikedFeedIDs []string
	// CancelledTaskIDs are the user's unfinished media tasks; their rows
	// went with the profile, so a running worker stops at its next
	// heartbeat.
	CancelledTaskIDs []string
}

// deletedProfile is what the clean-up jobs need after the row is gone.
type deletedProfile struct {
	email, nickname, language, stripeCustomer string
}

// DeleteUser is the one hard delete of an account. In one transaction it
// locks the profile (a like the user gives meanwhile waits and then fails
// rather than escaping the count), takes the user's likes back from other
// users' posts, deletes the profile — the foreign keys cascade to files,
// threads (messages, versions, version images, agent runs), media tasks,
// posts (their likes by others and embeddings), likes, filter favourites,
// the credit ledger and the deletion request — and what has no cascade
// (task slots, referrals naming the user), cancels the pending deletion
// jobs, and queues the clean-ups: the user's blob prefixes, the
// third-party records and the "completed" mail with the recipient
// captured here. An unknown user is nothing to do: calling it twice is
// fine.
func (s *Store) DeleteUser(ctx context.Context, userID string) (DeletedUser, error) {
	var out DeletedUser
	err := s.inTx(ctx, func(c conn) error {
		out = DeletedUser{}
		p, err := lockProfile(ctx, c, userID)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		out.Found = true
		if err := deleteUserRows(ctx, c, userID, &out); err != nil {
			return err
		}
		return enqueueUserCleanup(ctx, c, userID, p)
	})
	if err != nil {
		return DeletedUser{}, fmt.Errorf("delete user: %w", err)
	}
	return out, nil
}

// lockProfile reads the profile's mail details, holding its row until the
// transaction ends (FOR UPDATE on Postgres; SQLite's single writer holds
// everything anyway).
func lockProfile(ctx context.Context, c conn, userID string) (deletedProfile, error) {
	q := `SELECT COALESCE(email, ''), nickname, language, COALESCE(stripe_customer_id, '') FROM profiles WHERE id = ?`
	if c.d == Postgres {
		q += " FOR UPDATE"
	}
	var p deletedProfile
	err := c.row(ctx, q, userID).Scan(&p.email, &p.nickname, &p.language, &p.stripeCustomer)
	return p, mapErr(err)
}

func deleteUserRows(ctx context.Context, c conn, userID string, out *DeletedUser) error {
	var err error
	if out.CancelledTaskIDs, err = queryStrings(ctx, c, `SELECT id FROM media_tasks WHERE user_id = ?
		AND status IN ('pending', 'processing')`, userID); err != nil {
		return err
	}
	if _, err := c.exec(ctx, `UPDATE media_tasks SET status = 'cancelled', updated_at = ?
		WHERE user_id = ? AND status IN ('pending', 'processing')`, micros(now()), userID); err != nil {
		return mapErr(err)
	}
	if out.FeedIDs, err = queryStrings(ctx, c, "SELECT id FROM feeds WHERE user_id = ?", userID); err != nil {
		return err
	}
	if out.LikedFeedIDs, err = unlikeAll(ctx, c, userID); err != nil {
		return err
	}
	if err := cancelDeletionJobs(ctx, c, userID); err != nil {
		return err
	}
	for _, st := range []struct{ q, arg string }{
		{"DELETE FROM work_slots WHERE scope LIKE ?", "user:" + userID + ":%"},
		{"UPDATE profiles SET referred_by = NULL WHERE referred_by = ?", userID},
		{"DELETE FROM profiles WHERE id = ?", userID},
	} {
		if _, err := c.exec(ctx, st.q, st.arg); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

// unlikeAll deletes every like of userID and moves the counters of the
// other users' posts it was on by exactly the rows deleted (RETURNING: a
// like taken back concurrently is either deleted here or not seen at all).
// Likes on the user's own posts need no counter: those posts go too.
func unlikeAll(ctx context.Context, c conn, userID string) ([]string, error) {
	liked, err := queryStrings(ctx, c, "DELETE FROM likes WHERE user_id = ? RETURNING feed_id", userID)
	if err != nil || len(liked) == 0 {
		return nil, err
	}
	changed, err := queryStrings(ctx, c, `UPDATE feeds SET liked_number = CASE WHEN liked_number > 0 THEN liked_number - 1 ELSE 0 END
		WHERE user_id <> ? AND id IN (`+placeholders(len(liked))+`) RETURNING id`, append([]any{userID}, anySlice(liked)...)...)
	return changed, err
}

// cancelDeletionJobs withdraws a scheduled deletion's reminder and delete
// jobs (the row itself goes by cascade); a direct delete makes them moot.
func cancelDeletionJobs(ctx context.Context, c conn, userID string) error {
	_, ids, err := takeDeletion(ctx, c, userID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := cancelWaitingJob(ctx, c, id); err != nil {
			return err
		}
	}
	return nil
}

// enqueueUserCleanup queues what the rows' deletion leaves to others: the
// blob prefixes (objects are deleted after the rows that point at them are),
// one ExternalCleanup per service, and the "completed" mail.
func enqueueUserCleanup(ctx context.Context, c conn, userID string, p deletedProfile) error {
	jobs := []river.JobArgs{
		jobargs.DeleteBlobPrefix{Prefix: blob.AreaUser + "/" + userID + "/"},
		jobargs.DeleteBlobPrefix{Prefix: blob.AreaPublic + "/" + userID + "/"},
		jobargs.ExternalCleanup{Service: jobargs.ServiceStripe, UserID: userID, Email: p.email, StripeCustomerID: p.stripeCustomer},
		jobargs.ExternalCleanup{Service: jobargs.ServicePostHog, UserID: userID, Email: p.email},
		jobargs.ExternalCleanup{Service: jobargs.ServiceSupabase, UserID: userID, Email: p.email},
	}
	if p.email != "" { // nobody to tell otherwise
		jobs = append(jobs, jobargs.SendMail{Mail: string(mail.KindDeletionCompleted), UserID: userID,
			Event: "deletion_completed:" + userID, To: p.email, Lang: p.language, Nickname: p.nickname})
	}
	_, err := enqueue(ctx, c, jobs...)
	return err
}
